"""Fetch: JSM Operations' configuration (reference/jsm-access-outbound.md §1) as snapshot
streams, each one whole listing a run, yielded as canonical ``ConfigRecord``s (``ops_mapping``).

Every listing answers ``{values: [...], links: {next}}`` and is followed by ``links.next``
(``size`` 100, upstream's largest). Calls per run, T teams (at most ``teams_per_run()`` of them
for the per-team streams, the next block each hour past it, a listing cut so marking nothing
removed): teams 1 a page; escalations, heartbeats and routing rules one per team each;
schedules 1 a page; on-calls one timeline per schedule (the schedules read once a run);
integrations 1 a page; audit logs 1 a page, the newest ``audit_logs_per_run()`` only.

Audit logs are a bounded snapshot, not read incrementally: the public docs name ``GET /v1/logs``
and nothing of its parameters, so no filter by time or position can be relied on. Each run reads
the newest entries (``LOGS_ORDER``, unconfirmed) up to the bound; when there are more, the
listing is cut, so no older entry is marked removed for having dropped out of the window.

The API acts as the token's user, who needs an Operations role. Its refusal is said per stream
(``NEEDS_OPS``) while the incidents, read from the site with the same token, sync on: a 401
from the Ops gateway after the site accepted the token is read as that refusal too (unconfirmed
which of 401 and 403 the gateway answers a user without the role).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from integrations.config_records import ConfigRecord, items, mapping, text
from integrations.http import ErrorKind, UpstreamError
from integrations.providers.jsm.client import JsmClient
from integrations.providers.jsm.ops_mapping import (
    AUDIT_LOGS,
    ESCALATIONS,
    HEARTBEATS,
    INTEGRATIONS,
    MEMBERS_KEY,
    ON_CALLS,
    ROUTING_RULES,
    SCHEDULES,
    TEAM_NAME_KEYS,
    TEAMS,
    config_record,
    first_text,
    log_id,
    team_id,
)
from integrations.records import ListingTruncated
from integrations.sync.blocks import this_runs_block

NEEDS_OPS = "an API token of an account with an Operations role (Global or Team)"
OPS_PAGE = 100  # upstream's largest ``size``
TEAMS_PER_RUN = 200
# Unconfirmed: the timeline's window parameters (OpsGenie's names): now and the next 14 days.
ON_CALL_WINDOW = {"interval": 2, "intervalUnit": "weeks"}
AUDIT_LOGS_PER_RUN = 500
# Unconfirmed: the audit logs' order parameter (the alerts' name and value): newest first.
LOGS_ORDER = {"order": "desc"}


def teams_per_run() -> int:
    """The bound: TEAMS_PER_RUN, unless the settings say otherwise (JSM_TEAMS_PER_RUN)."""
    return int(getattr(settings, "JSM_TEAMS_PER_RUN", TEAMS_PER_RUN))


def audit_logs_per_run() -> int:
    """The newest audit log entries a run reads: AUDIT_LOGS_PER_RUN, unless the settings say
    otherwise (JSM_AUDIT_LOGS_PER_RUN)."""
    return int(getattr(settings, "JSM_AUDIT_LOGS_PER_RUN", AUDIT_LOGS_PER_RUN))


def as_refusal(error: UpstreamError) -> UpstreamError:
    """The Ops gateway's 401 to a token the site accepted: this account's missing role."""
    if error.kind != ErrorKind.UNAUTHORIZED:
        return error
    return UpstreamError(ErrorKind.FORBIDDEN, status=error.status, message=error.message)


class JsmOps:
    """The readers of the Ops API's configuration streams, for one run."""

    def __init__(self, client: JsmClient, *, clock: Callable[[], datetime] = timezone.now):
        self.client = client
        self.clock = clock
        self._teams: list[dict[str, Any]] | None = None
        self._schedules: list[ConfigRecord] | None = None

    @property
    def root(self) -> str:
        return f"{self.client.ops_url}/{quote(self.client.cloud_id, safe='')}"

    def get(self, url: str, params: dict[str, Any] | None) -> dict[str, Any]:
        try:
            body = self.client.session.get_json(url, params=params, require="values").data
        except UpstreamError as error:
            raise as_refusal(error) from error
        return body  # type: ignore[no-any-return]

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[list[Any]]:
        """Each page's ``values`` of a listing, following ``links.next``."""
        for values, _more in self.listing(path, params):
            yield values

    def listing(
        self, path: str, params: dict[str, Any] | None = None
    ) -> Iterator[tuple[list[Any], bool]]:
        """Each page's ``values`` and whether a next page follows."""
        url: str | None = f"{self.root}/v1{path}"
        query: dict[str, Any] | None = {"size": OPS_PAGE, "offset": 0, **(params or {})}
        while url:
            body = self.get(url, query)
            url, query = self.next_link(body), None
            yield body["values"], url is not None

    def next_link(self, body: dict[str, Any]) -> str | None:
        """``links.next``, absolute or from the cloudId's root (``/v1/...``); the token goes
        only to the Ops API host it was saved for, whatever a link says."""
        links = body.get("links") if isinstance(body.get("links"), dict) else {}
        found = links.get("next")
        if not isinstance(found, str) or not found:
            return None
        if found.startswith("/v1/"):
            return self.root + found
        if not found.startswith(self.root + "/v1/"):
            raise UpstreamError(
                ErrorKind.MALFORMED, message="a paging link points outside the Ops API's host"
            )
        return found

    def records(
        self, kind: str, values: Any, key: Callable[[dict[str, Any]], str]
    ) -> list[ConfigRecord]:
        if not isinstance(values, list):
            raise UpstreamError(ErrorKind.MALFORMED, message="a listing without its values")
        found = []
        for item in values:
            upstream_id = key(item) if isinstance(item, dict) else ""
            if not upstream_id:
                raise UpstreamError(ErrorKind.MALFORMED, message=f"an item of {kind} without id")
            found.append(config_record(kind, upstream_id, item))
        return found

    # --- the streams ---------------------------------------------------------------------------

    def team_list(self) -> list[dict[str, Any]]:
        """Every team, read once a run."""
        if self._teams is None:
            self._teams = [team for page in self.pages("/teams") for team in page]
            self.records(TEAMS, self._teams, team_id)  # every team has an id, or none is used
        return self._teams

    def teams(self) -> Iterator[list[ConfigRecord]]:
        yield self.records(TEAMS, self.team_list(), team_id)

    def _per_team(
        self, kind: str, suffix: str, key: Callable[[dict[str, Any]], str]
    ) -> Iterator[list[ConfigRecord]]:
        teams, partial = this_runs_block(self.team_list(), teams_per_run(), self.clock())
        for team in teams:
            owner = {"id": team_id(team), "name": first_text(team, TEAM_NAME_KEYS)}
            path = f"/teams/{quote(owner['id'], safe='')}/{suffix}"
            try:
                for page in self.pages(path):
                    values = [{**v, "_team": owner} if isinstance(v, dict) else v for v in page]
                    yield self.records(kind, values, key)
            except UpstreamError as error:
                if error.status != 404:  # a team deleted since the listing: passed over
                    raise
        if partial:
            raise ListingTruncated(f"more than {teams_per_run()} teams")

    def escalations(self) -> Iterator[list[ConfigRecord]]:
        """Each team's escalations; a recipient named by id only (the Ops API names none) is
        given the name the teams' and schedules' listings give it, for people to read."""
        for page in self._per_team(ESCALATIONS, "escalations", _id):
            names = self.names()
            yield [config_record(ESCALATIONS, r.upstream_id, _named(r.raw, names)) for r in page]

    def names(self) -> dict[str, str]:
        """Id → name of every team, team member and schedule this run read."""
        found: dict[str, str] = {}
        for team in self.team_list():
            found[team_id(team)] = first_text(team, TEAM_NAME_KEYS)
            for member in items(team.get(MEMBERS_KEY)):
                member = mapping(member)
                account = text(member.get("accountId")) or text(member.get("id"))
                if account and text(member.get("name")):
                    found[account] = text(member.get("name"))
        found.update((schedule.upstream_id, schedule.name) for schedule in self.schedule_list())
        return found

    def heartbeats(self) -> Iterator[list[ConfigRecord]]:
        # A heartbeat's key is its name, unique within its team.
        def key(item: dict[str, Any]) -> str:
            name = item.get("name")
            return f"{item['_team']['id']}:{name}" if isinstance(name, str) and name else ""

        yield from self._per_team(HEARTBEATS, "heartbeats", key)

    def schedule_list(self) -> list[ConfigRecord]:
        if self._schedules is None:
            values = [item for page in self.pages("/schedules") for item in page]
            self._schedules = self.records(SCHEDULES, values, _id)
        return self._schedules

    def schedules(self) -> Iterator[list[ConfigRecord]]:
        yield self.schedule_list()

    def on_calls(self) -> Iterator[list[ConfigRecord]]:
        """One record per schedule: its final timeline from now to 14 days on."""
        records = []
        for schedule in self.schedule_list():
            url = f"{self.root}/v1/schedules/{quote(schedule.upstream_id, safe='')}/timeline"
            try:
                body = self.client.session.get_json(url, params=ON_CALL_WINDOW).data
            except UpstreamError as error:
                raise as_refusal(error) from error
            if not isinstance(body, dict):
                raise UpstreamError(ErrorKind.MALFORMED, message="a timeline that is no object")
            parent = {"id": schedule.upstream_id, "name": schedule.name}
            raw = {**body, "_parent": parent}
            records.append(config_record(ON_CALLS, schedule.upstream_id, raw))
        yield records

    def integrations(self) -> Iterator[list[ConfigRecord]]:
        for page in self.pages("/integrations"):
            yield self.records(INTEGRATIONS, page, _id)

    def routing_rules(self) -> Iterator[list[ConfigRecord]]:
        """Each team's routing rules, in the teams' block as escalations."""
        yield from self._per_team(ROUTING_RULES, "routing-rules", _id)

    def audit_logs(self) -> Iterator[list[ConfigRecord]]:
        """The newest ``audit_logs_per_run()`` entries; more upstream cut the listing."""
        bound = audit_logs_per_run()
        size = min(OPS_PAGE, bound)
        read = 0
        for values, more in self.listing("/logs", {**LOGS_ORDER, "size": size}):
            if not isinstance(values, list):
                raise UpstreamError(ErrorKind.MALFORMED, message="a listing without its values")
            kept = values[: bound - read]
            read += len(kept)
            yield self.records(AUDIT_LOGS, kept, log_id)
            if read >= bound and (more or len(values) > len(kept)):
                raise ListingTruncated(f"more than {bound} audit log entries")
            if read >= bound:
                return


def _named(raw: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    rules = []
    for rule in items(raw.get("rules")):
        recipient = mapping(mapping(rule).get("recipient"))
        name = names.get(text(recipient.get("id")), "")
        if name and not text(recipient.get("name")):
            rule = {**mapping(rule), "recipient": {**recipient, "name": name}}
        rules.append(rule)
    return {**raw, "rules": rules} if isinstance(raw.get("rules"), list) else raw


def _id(item: dict[str, Any]) -> str:
    value = item.get("id")
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
