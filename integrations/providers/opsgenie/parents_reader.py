"""Fetch: OpsGenie's objects read under a parent (a team's alert policies, a schedule's
overrides, a service's incident rules) and the account's incident templates, as snapshot
streams yielded as canonical ``ConfigRecord``s (``parents_mapping``).

Calls per run, T teams, S schedules and V services:

- alert policies: the global ones (``GET /v2/policies/alert``), then one call per team
  (``?teamId=``), reusing the run's teams listing;
- schedule overrides: one call per schedule (``/v2/schedules/{id}/overrides``), reusing the
  run's schedules listing;
- service incident rules: one call per service (``/v1/services/{id}/incident-rules``), reusing
  the run's services listing;
- incident templates: one call per hundred (``/v1/incident-templates/``, following
  ``paging.next``).

Bound: at most ``parents_per_run()`` teams, schedules or services are read a run, each kind on
its own; past it the block read rotates with the hour (as the users of ``rules_reader``), and
the listing is partial, so nothing of its stream is marked removed that run.

A parent deleted between its listing and its own call (404) is passed over. All need a key
with Configuration access; without it each stream is skipped with that said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from django.conf import settings

from integrations.config_records import ConfigRecord
from integrations.http import ErrorKind, UpstreamError
from integrations.providers.opsgenie.config_mapping import config_record
from integrations.providers.opsgenie.config_reader import records_of
from integrations.providers.opsgenie.rules_reader import OpsgenieRules, gone
from integrations.records import ListingTruncated
from integrations.sync.blocks import this_runs_block

PARENTS_PER_RUN = 200
TEMPLATES_PAGE = 100
# Unconfirmed: the Go SDK reads the templates listing's ``data`` as a map of lists; the public
# page names no key. The emulator answers under this one.
TEMPLATES_KEY = "incidentTemplates"


def parents_per_run() -> int:
    """The bound: PARENTS_PER_RUN, unless the settings say otherwise (the tests' do)."""
    return int(getattr(settings, "OPSGENIE_PARENTS_PER_RUN", PARENTS_PER_RUN))


def override_id(schedule_id: str, alias: str) -> str:
    """An override's alias is unique within its schedule only."""
    return f"{schedule_id}:{alias}"


class OpsgenieParents:
    """The readers of the per-parent streams and the incident templates, for one run."""

    def __init__(self, rules: OpsgenieRules, *, services: Callable[[], dict[str, str]]) -> None:
        self.rules = rules
        self.config = rules.config
        # Service id → name, as this run's services stream read them.
        self.services = services

    def _each(
        self, parents: list[dict[str, Any]], ask: Callable[[str], tuple[str, dict[str, Any]]]
    ) -> Iterator[tuple[dict[str, Any], Any]]:
        """(parent, data) for this run's block of ``parents`` (``ask``: a parent's id → the
        path and parameters of its call), then ListingTruncated if the block is not all."""
        block, partial = this_runs_block(parents, parents_per_run(), self.rules.clock())
        for parent in block:
            try:
                yield parent, self.config.read(*ask(str(parent["id"])))
            except UpstreamError as error:
                if not gone(error):
                    raise
        if partial:
            raise ListingTruncated(f"more than {parents_per_run()} parents")

    def alert_policies(self) -> Iterator[list[ConfigRecord]]:
        """The global policies, then each team's (``_team``: the team they were read for)."""
        yield records_of("alert_policies", self.config.read("/v2/policies/alert"))
        teams = [
            {"id": team.get("id"), "name": team.get("name")} for team in self.config.team_details()
        ]
        for team, items in self._each(teams, lambda key: ("/v2/policies/alert", {"teamId": key})):
            yield records_of("alert_policies", _under(items, "_team", team))

    def schedule_overrides(self) -> Iterator[list[ConfigRecord]]:
        schedules = [
            {"id": s.upstream_id, "name": s.name, "ownerTeam": {"id": s.team_id, "name": s.team}}
            for s in self.config.schedule_list()
        ]
        for schedule, items in self._each(schedules, _path("/v2/schedules/{}/overrides")):
            records = []
            for item in _under(items, "_schedule", schedule):
                alias = item.get("alias") if isinstance(item, dict) else None
                if not isinstance(alias, str) or not alias:
                    raise UpstreamError(ErrorKind.MALFORMED, message="an override without alias")
                records.append(
                    config_record("schedule_overrides", override_id(schedule["id"], alias), item)
                )
            yield records

    def incident_rules(self) -> Iterator[list[ConfigRecord]]:
        services = [{"id": key, "name": name} for key, name in self.services().items()]
        for service, items in self._each(services, _path("/v1/services/{}/incident-rules")):
            yield records_of("incident_rules", _under(items, "_service", service))

    def incident_templates(self) -> Iterator[list[ConfigRecord]]:
        """Every template, a hundred a page (``data.incidentTemplates``), by ``paging.next``."""
        client = self.config.client
        url: str | None = f"{client.base_url}/v1/incident-templates/"
        params: dict[str, Any] | None = {"limit": TEMPLATES_PAGE, "offset": 0}
        while url:
            # Not ``require="data"``: its ``data`` is an object holding the list.
            body = client.session.get_json(url, params=params).data
            data = body.get("data") if isinstance(body, dict) else None
            items = data.get(TEMPLATES_KEY) if isinstance(data, dict) else None
            yield records_of("incident_templates", items)
            url, params = client.next_link(body), None


def _path(pattern: str) -> Callable[[str], tuple[str, dict[str, Any]]]:
    """A parent's id → its call: the id, quoted, in the path (by id, upstream's default)."""
    return lambda key: (pattern.format(quote(key, safe="")), {})


def _under(items: Any, key: str, parent: dict[str, Any]) -> Any:
    """Each item with the parent it was read for (kept as ``key``); a non-list as it came."""
    if not isinstance(items, list):
        return items
    return [{**item, key: parent} if isinstance(item, dict) else item for item in items]
