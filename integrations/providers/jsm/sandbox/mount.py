"""What the sandbox server serves for Jira Service Management: one Jira site at /jsm/site/<name>
(standing in for https://<name>.atlassian.net) and its Ops API at /jsm/ops/api (standing in for
https://api.atlassian.com/jsm/ops/api); the contract: `integrations.sandbox.contract`.

Two Atlassian accounts sign in with Basic auth: one with an Operations role, and one without
(the Ops API answers it 403). Their emails, tokens and the site's name are `manage.py sandbox
--print-keys` entries, like the other providers' keys."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Final

from integrations.providers.jsm.sandbox.app import OpsApp, SiteApp
from integrations.providers.jsm.sandbox.data import (
    IMPACT_END_FIELD,
    IMPACT_START_FIELD,
    generate_site,
)
from integrations.providers.jsm.sandbox.ops_data import generate_ops
from integrations.providers.jsm.sandbox.store import JsmStore
from integrations.sandbox.contract import MountContext, Mounted

SLUG: Final = "jsm"
REGION: Final = "cloud"
SITE_PREFIX: Final = "/jsm/site"
OPS_PREFIX: Final = "/jsm/ops/api"
SITE_NAME: Final = "evidencehub-sandbox"

KEYS: Final = (
    "jsm_site",
    "jsm_email",
    "jsm_api_token",
    "jsm_no_role_email",  # an account without an Operations role: 403 from the Ops API
    "jsm_no_role_token",
)
KEY_FLAGS: Final = (("--jsm-token", "jsm_api_token", "JSM account's API token"),)
OPTION_FLAGS: Final = ()
# The OpsGenie sandbox's option too: the site continues that account's history (data.py).
INCIDENT_OPTION: Final = "incidents"
# The account whose history the site continues: (provider slug, region).
MOVED_FROM: Final = ("opsgenie", "us")
# Unconfirmed which; the account's zone makes a JQL date mean another instant than in UTC.
TIME_ZONES: Final = {"jsm_email": "America/Los_Angeles", "jsm_no_role_email": "Europe/Berlin"}


def make_key(name: str, derive: Callable[[str], uuid.UUID]) -> str:
    if name == "jsm_site":
        return SITE_NAME
    if name == "jsm_email":
        return "ops.admin@example.com"
    if name == "jsm_no_role_email":
        return "agent@example.com"
    # The shape of an Atlassian API token: ATATT3xFfGF0, a long random part, = and a checksum.
    body = (derive(name).hex + derive(f"{name}:2").hex).upper()
    return f"ATATT3xFfGF0{body}={derive(f'{name}:c').hex[:8].upper()}"


def mount(context: MountContext, *, incidents: int = 200) -> Mounted:
    keys = context.keys
    users = [
        _user(context, keys, "jsm_email", "jsm_api_token", "Ops Admin", operations=True),
        _user(context, keys, "jsm_no_role_email", "jsm_no_role_token", "Agent", operations=False),
    ]
    # The OpsGenie US account the site continues, as its emulator generated it (the same seed,
    # users, start and incidents option): the site copies the incidents moved from it.
    opsgenie = context.account(*MOVED_FROM)
    site = generate_site(
        seed=context.seed,
        incidents=incidents,
        now_ms=int(context.now.timestamp() * 1000),
        name=keys["jsm_site"],
        users=users,
        opsgenie=opsgenie.incidents() if opsgenie else [],
    )
    ops = generate_ops(seed=context.seed, now_ms=site.now_ms)
    store = JsmStore(site, clock=context.clock, ops=ops)
    site_app = SiteApp(store, context.faults)
    ops_app = OpsApp(store, context.faults, config=ops)
    return Mounted(
        slug=SLUG,
        apps={SITE_PREFIX: site_app, OPS_PREFIX: ops_app},
        stores={REGION: store},  # type: ignore[dict-item]
        lines=lambda base_url: _lines(base_url, keys),
        env=lambda base_url: {
            "JSM_SITE_URL": base_url + SITE_PREFIX + "/{site}",
            "JSM_CLOUD_URL": base_url + OPS_PREFIX,
            "JSM_IMPACT_START_FIELD": IMPACT_START_FIELD,
            "JSM_IMPACT_END_FIELD": IMPACT_END_FIELD,
        },
        attributes={
            "jsm_store": store,
            "jsm_requests": site_app.requests,
            "jsm_ops": ops,
            "jsm_ops_requests": ops_app.requests,
            "jsm_site_url": lambda: context.base_url() + SITE_PREFIX + "/{site}",
            "jsm_ops_url": lambda: context.base_url() + OPS_PREFIX,
        },
    )


def _user(
    context: MountContext,
    keys: Mapping[str, str],
    email: str,
    token: str,
    name: str,
    *,
    operations: bool,
) -> dict[str, object]:
    return {
        "accountId": "712020:" + str(context.derive(f"jsm-account:{keys[email]}")),
        "emailAddress": keys[email],
        "displayName": name,
        "timeZone": TIME_ZONES[email],
        "token": keys[token],
        "operations": operations,
    }


def _lines(base_url: str, keys: Mapping[str, str]) -> list[str]:
    site = keys["jsm_site"]
    return [
        f"Jira Service Management  {base_url}{SITE_PREFIX}/{site}  ({site}.atlassian.net)",
        f"  site name                   {site}",
        f"  email                       {keys['jsm_email']}",
        f"  API token                   {keys['jsm_api_token']}",
        f"  email, no Operations role   {keys['jsm_no_role_email']}  (Ops API: 403)",
        f"  its API token               {keys['jsm_no_role_token']}",
        f"  Ops API                     {base_url}{OPS_PREFIX}  (api.atlassian.com/jsm/ops/api)",
    ]
