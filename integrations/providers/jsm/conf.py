"""The settings Jira Service Management reads, from the environment. ``config/settings.py`` loads
this module for every registered provider. It runs while the settings load: nothing here may
need Django configured.

Two hosts, both operator settings only (no URL typed into a form is ever fetched):

- ``JSM_BASE_URLS["cloud"]``: the Ops REST API's root, to which ``/{cloudId}/v1/...`` is added
  (``https://api.atlassian.com/jsm/ops/api``; one gateway for every region).
- ``JSM_SITE_URL``: a site's own host, built from the site *name* the admin gives, which the
  form has checked against Atlassian's rules (``https://{site}.atlassian.net``). The sandbox
  stands in for both (``manage.py sandbox --print-env``).
"""

from __future__ import annotations

from config.env import env_int, env_str

SITE_PLACEHOLDER = "{site}"


def settings() -> dict[str, object]:
    site_url = env_str("JSM_SITE_URL", "https://{site}.atlassian.net").rstrip("/")
    if SITE_PLACEHOLDER not in site_url:
        raise ValueError("JSM_SITE_URL must contain {site}, e.g. https://{site}.atlassian.net")
    return {
        "JSM_BASE_URLS": {
            "cloud": env_str("JSM_CLOUD_URL", "https://api.atlassian.com/jsm/ops/api").rstrip("/"),
        },
        "JSM_SITE_URL": site_url,
        # Unconfirmed: where Atlassian's OpsGenie migration records an incident's OpsGenie tiny
        # id and alias on the Jira work item. The ids of custom fields holding them, when a
        # site has such fields (e.g. customfield_10050); labels are read in any case
        # (integrations/providers/jsm/mapping.py).
        "JSM_OPSGENIE_TINY_ID_FIELD": env_str("JSM_OPSGENIE_TINY_ID_FIELD", ""),
        "JSM_OPSGENIE_ALIAS_FIELD": env_str("JSM_OPSGENIE_ALIAS_FIELD", ""),
        # Unconfirmed: JSM's incident template has no standard impact start/end field. The ids
        # of a site's date-time custom fields holding them, when it has such fields; else the
        # incident has no impact times (its resolution time is Jira's resolutiondate).
        "JSM_IMPACT_START_FIELD": env_str("JSM_IMPACT_START_FIELD", ""),
        "JSM_IMPACT_END_FIELD": env_str("JSM_IMPACT_END_FIELD", ""),
        # Teams whose escalations, heartbeats and routing rules are read in one sync (one call
        # each per team); past it, the next block each hour (jsm/ops_reader.py).
        "JSM_TEAMS_PER_RUN": env_int("JSM_TEAMS_PER_RUN", 200),
        # The newest audit log entries read in one sync (GET /v1/logs, a hundred a page).
        "JSM_AUDIT_LOGS_PER_RUN": env_int("JSM_AUDIT_LOGS_PER_RUN", 500),
    }
