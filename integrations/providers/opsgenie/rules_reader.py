"""Fetch: OpsGenie's remaining configuration objects as snapshot streams, yielded as canonical
``ConfigRecord``s (``rules_mapping``).

Calls per run, T teams and U users:

- team routing rules, team roles and team logs: one call per team each (the run's teams
  listing, read once for the teams stream, is reused);
- maintenances (``type=all``: past ones too), custom user roles, forwarding rules: one each;
- notification rules and contacts: the users listing (one call per hundred users, read once a
  run for both) and then one call per user each, for at most ``users_per_run()`` users a run.

Bounds: a team's logs are its newest hundred (one page); a team with more, or an account with
more users than the bound, makes that listing partial, so nothing of its stream is marked
removed that run (``ListingTruncated``). The users read in an account past the bound rotate
with the hour, so every user's rules and contacts are read in turn.

A team or user deleted between the listing and its own call (404) is passed over. All need a
key with Configuration access; without it each stream is skipped with that said.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from integrations.config_records import ConfigRecord
from integrations.http import ErrorKind, UpstreamError
from integrations.ops_config_mapping import log_key
from integrations.providers.opsgenie.config_mapping import config_record
from integrations.providers.opsgenie.config_reader import OpsgenieConfig, records_of
from integrations.records import ListingTruncated
from integrations.sync.blocks import this_runs_block

USERS_PER_RUN = 200
TEAM_LOGS = 100  # a team's newest logs read each run: one page, upstream's largest
USERS_PAGE = 100


def users_per_run() -> int:
    """The bound: USERS_PER_RUN, unless the settings say otherwise (the tests' do)."""
    return int(getattr(settings, "OPSGENIE_USERS_PER_RUN", USERS_PER_RUN))


def gone(error: UpstreamError) -> bool:
    return error.status == 404


def log_id(team_id: str, log: dict[str, Any]) -> str:
    """A team log has no id upstream: its team, time and a digest of its owner and text."""
    return log_key(team_id, str(log.get("createdDate")), log.get("owner"), log.get("log"))


class OpsgenieRules:
    """The readers of the remaining configuration streams, for one run."""

    def __init__(
        self, config: OpsgenieConfig, *, clock: Callable[[], datetime] = timezone.now
    ) -> None:
        self.config = config
        self.clock = clock
        self._users: list[dict[str, Any]] | None = None

    # --- per team ------------------------------------------------------------------------------

    def _per_team(self, suffix: str, params: dict[str, Any]) -> Iterator[tuple[dict, Any]]:
        """(team, data) of ``/v2/teams/{id}/<suffix>`` for every team of the run."""
        for team in self.config.team_details():
            path = f"/v2/teams/{quote(str(team.get('id')), safe='')}/{suffix}"
            try:
                yield team, self.config.read(path, params, listed=suffix != "logs")
            except UpstreamError as error:
                if not gone(error):
                    raise

    def _team_items(self, kind: str, suffix: str) -> Iterator[list[ConfigRecord]]:
        for team, items in self._per_team(suffix, {"teamIdentifierType": "id"}):
            owner = {"id": team.get("id"), "name": team.get("name")}
            if isinstance(items, list):
                items = [
                    {**item, "_team": owner} if isinstance(item, dict) else item for item in items
                ]
            yield records_of(kind, items)

    def routing_rules(self) -> Iterator[list[ConfigRecord]]:
        yield from self._team_items("routing_rules", "routing-rules")

    def team_roles(self) -> Iterator[list[ConfigRecord]]:
        yield from self._team_items("team_roles", "roles")

    def team_logs(self) -> Iterator[list[ConfigRecord]]:
        """Each team's newest ``TEAM_LOGS`` logs (``data{offset, logs}``)."""
        params = {"identifierType": "id", "limit": TEAM_LOGS, "order": "desc"}
        cut = False
        for team, data in self._per_team("logs", params):
            logs = data.get("logs") if isinstance(data, dict) else None
            if not isinstance(logs, list):
                raise UpstreamError(ErrorKind.MALFORMED, message="a team's logs without their list")
            owner = {"id": team.get("id"), "name": team.get("name")}
            team_id = str(team.get("id"))
            yield [
                config_record("team_logs", log_id(team_id, log), {**log, "_team": owner})
                for log in logs
                if isinstance(log, dict)
            ]
            cut = cut or len(logs) >= TEAM_LOGS
        if cut:
            raise ListingTruncated(f"a team has more than {TEAM_LOGS} logs")

    # --- the account's -------------------------------------------------------------------------

    def maintenances(self) -> Iterator[list[ConfigRecord]]:
        yield records_of("maintenances", self.config.read("/v1/maintenance", {"type": "all"}))

    def custom_roles(self) -> Iterator[list[ConfigRecord]]:
        yield records_of("custom_roles", self.config.read("/v2/roles"))

    def forwarding_rules(self) -> Iterator[list[ConfigRecord]]:
        yield records_of("forwarding_rules", self.config.read("/v2/forwarding-rules"))

    # --- per user ------------------------------------------------------------------------------

    def users(self) -> list[dict[str, Any]]:
        """Every user ({id, username}), by username, following ``paging.next``; once a run."""
        if self._users is None:
            client = self.config.client
            url: str | None = f"{client.base_url}/v2/users"
            params: dict[str, Any] | None = {"limit": USERS_PAGE, "offset": 0}
            found: list[dict[str, Any]] = []
            while url:
                body = client.session.get_json(url, params=params, require="data").data
                found += [
                    {"id": user["id"], "username": user.get("username", "")}
                    for user in body["data"]
                    if isinstance(user, dict) and isinstance(user.get("id"), str)
                ]
                url, params = client.next_link(body), None
            self._users = found
        return self._users

    def _this_runs_users(self) -> tuple[list[dict[str, Any]], bool]:
        """The users read this run, and whether that is fewer than all of them."""
        return this_runs_block(self.users(), users_per_run(), self.clock())

    def _user_items(self, kind: str, suffix: str) -> Iterator[list[ConfigRecord]]:
        users, partial = self._this_runs_users()
        for user in users:
            path = f"/v2/users/{quote(user['id'], safe='')}/{suffix}"
            try:
                items = self.config.read(path)
            except UpstreamError as error:
                if gone(error):
                    continue
                raise
            if isinstance(items, list):
                items = [
                    {**item, "_user": user} if isinstance(item, dict) else item for item in items
                ]
            yield records_of(kind, items)
        if partial:
            raise ListingTruncated(f"more than {users_per_run()} users")

    def notification_rules(self) -> Iterator[list[ConfigRecord]]:
        yield from self._user_items("notification_rules", "notification-rules")

    def contacts(self) -> Iterator[list[ConfigRecord]]:
        yield from self._user_items("contacts", "contacts")
