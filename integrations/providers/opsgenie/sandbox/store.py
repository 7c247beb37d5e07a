"""The store holding one region's synthetic OpsGenie account, and how time passes in it."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from integrations.providers.opsgenie.sandbox.alert_passing import AlertTraffic
from integrations.providers.opsgenie.sandbox.config_data import (
    OpsGenieConfiguration,
    generate_configuration,
)
from integrations.providers.opsgenie.sandbox.config_passing import pass_configuration
from integrations.providers.opsgenie.sandbox.data import (
    HOUR_MS,
    PRIORITY_WEIGHTS,
    OpsGenieDataset,
    Record,
    iso_ms,
    make_incident,
    new_user,
    other_role,
    parse_iso_ms,
    team_places,
)
from integrations.providers.opsgenie.sandbox.parents_data import OpsGenieParents, generate_parents
from integrations.providers.opsgenie.sandbox.rules_data import OpsGenieRules, generate_rules
from integrations.sandbox.names import start_of_day
from integrations.sandbox.timeline import (
    AccountStore,
    account_clock,
)

# How the changes of one `advance` split between kinds; whatever a kind cannot take (no open
# incident left to resolve, say) becomes a priority change instead, so the total stays as asked.
_RESOLVE_SHARE = 0.55
_CLOSE_SHARE = 0.2
_REOPEN_SHARE = 0.05


@dataclass
class OpsGenieStore(AccountStore):
    """One region's account, shared by all request threads (reads and locking: AccountStore).

    When time passes, incidents go open → resolved, resolved → closed, a few resolved or closed
    → reopened, and the rest get a new priority; people join (into some teams), leave (their
    teams with them) and change role; the configuration changes (config_passing) and alerts are
    acknowledged, closed and raised (alert_passing)."""

    dataset: OpsGenieDataset
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _by_id: dict[str, Record] = field(default_factory=dict, repr=False)
    _by_tiny: dict[str, Record] = field(default_factory=dict, repr=False)
    # Never reused, even after the highest tinyId is deleted.
    _next_tiny: int = field(default=1, repr=False)
    # Escalations, schedules, heartbeats and integrations (config_data), drawn at the start.
    configuration: OpsGenieConfiguration = field(default_factory=OpsGenieConfiguration)
    # Routing rules, team roles and logs, maintenances, custom roles, forwarding rules.
    rules: OpsGenieRules = field(default_factory=OpsGenieRules)
    # Alert policies, schedule overrides and incident templates (parents_data).
    parents: OpsGenieParents = field(default_factory=OpsGenieParents)
    # The alerts the account receives (set by the mount): time passes for them too.
    alert_traffic: AlertTraffic | None = None

    def __post_init__(self) -> None:
        with self.lock:
            self.reindex()
            self.dataset.now_ms = account_clock(
                self.dataset.incidents,
                fields=("createdAt", "updatedAt"),
                parse=parse_iso_ms,
                given=self.dataset.now_ms,
                fallback=lambda: int(start_of_day().timestamp() * 1000),
            )
            self.configuration = generate_configuration(
                region=self.dataset.region,
                now_ms=self.dataset.now_ms,
                teams=self.dataset.teams,
                users=self.dataset.users,
                memberships=self.dataset.memberships,
            )
            self.rules = generate_rules(
                region=self.dataset.region,
                now_ms=self.dataset.now_ms,
                teams=self.dataset.teams,
                users=self.dataset.users,
                memberships=self.dataset.memberships,
                configuration=self.configuration,
            )
            self.parents = generate_parents(
                region=self.dataset.region,
                now_ms=self.dataset.now_ms,
                teams=self.dataset.teams,
                services=self.dataset.services,
                configuration=self.configuration,
            )

    def reindex(self) -> None:
        with self.lock:
            self._by_id = {i["id"]: i for i in self.dataset.incidents}
            self._by_tiny = {i["tinyId"]: i for i in self.dataset.incidents}
            highest = max(map(int, self._by_tiny), default=0)
            self._next_tiny = max(self._next_tiny, highest + 1)

    def incident(self, identifier: str, *, tiny: bool = False) -> Record | None:
        with self.lock:
            return (self._by_tiny if tiny else self._by_id).get(identifier)

    def user(self, identifier: str) -> Record | None:
        """By id or username, as `GET /v2/users/{identifier}` accepts both (reference §5)."""
        with self.lock:
            return next(
                (u for u in self.dataset.users if identifier in (u["id"], u["username"])), None
            )

    def team(self, identifier: str, *, by_name: bool = False) -> Record | None:
        with self.lock:
            key = "name" if by_name else "id"
            return next((t for t in self.dataset.teams if t[key] == identifier), None)

    def schedule(self, identifier: str, *, by_name: bool = False) -> Record | None:
        with self.lock:
            key = "name" if by_name else "id"
            return next((s for s in self.configuration.schedules if s[key] == identifier), None)

    def teams_of(self, user_id: str) -> list[Record]:
        """The teams a user is in, in the account's team order."""
        with self.lock:
            ids = {team_id for team_id, _role in self.dataset.memberships.get(user_id, [])}
            return [team for team in self.dataset.teams if team["id"] in ids]

    def members_of(self, team_id: str) -> list[tuple[Record, str]]:
        """(user, role in the team) of everyone in a team, in the users' order."""
        with self.lock:
            places = self.dataset.memberships
            return [
                (user, role)
                for user in self.dataset.users
                for member_of, role in places.get(user["id"], [])
                if member_of == team_id
            ]

    @property
    def now_ms(self) -> int:
        with self.lock:
            assert self.dataset.now_ms is not None  # set by __post_init__
            return self.dataset.now_ms

    ADVANCE_KEY = "opsgenie-advance"
    TICKS_PER_HOUR = HOUR_MS
    TRANSITIONS = (
        ("resolve", ("open",), _RESOLVE_SHARE),
        ("close", ("resolved",), _CLOSE_SHARE),
        ("reopen", ("resolved", "closed"), _REOPEN_SHARE),
    )
    REST = "priority"

    def _clock(self) -> int:
        return self.now_ms

    def _set_clock(self, now: int) -> None:
        self.dataset.now_ms = now

    def _serial(self) -> int:
        return self._next_tiny

    def _stamp(self, now: int) -> str:
        return iso_ms(now)

    def _changed(self, rng: random.Random, incident: Record, kind: str, at: int) -> Record:
        return _changed(rng, incident, kind, at)

    def _new_incidents(self, rng: random.Random, count: int, now_ms: int) -> list[Record]:
        dataset = self.dataset
        created = []
        for offset in range(count):
            created_ms = now_ms + offset
            incident = make_incident(
                rng,
                dataset.region,
                created_ms,
                created_ms,
                dataset.teams,
                dataset.services,
                dataset.users,
                status="open",  # it appeared within the last hour: still being worked on
            )
            incident["tinyId"] = str(self._next_tiny + offset)
            incident["priority"] = _priority(rng)
            created.append(incident)
        return created

    def _new_users(self, rng: random.Random, count: int, users: list[Record]) -> list[Record]:
        joined: list[Record] = []
        for _ in range(count):
            user = new_user(rng, users + joined, self.now_ms)
            self.dataset.memberships[user["id"]] = team_places(rng, self.dataset.teams)
            joined.append(user)
        return joined

    def _re_roled(self, rng: random.Random, user: Record) -> Record:
        return {**user, "role": other_role(rng, user, self.dataset.users)}

    def _people_left(self, users: list[Record]) -> None:
        for user in users:
            self.dataset.memberships.pop(user["id"], None)

    def _configuration_change(self, rng: random.Random) -> dict[str, list[Any]]:
        return pass_configuration(rng, self.configuration, now_ms=self.now_ms)

    def _alerts_change(self, seed: int | None) -> dict[str, list[str]] | None:
        if self.alert_traffic is None:
            return None
        dataset = self.dataset
        next_tiny = self.alert_traffic.store.next_tiny
        rng = random.Random(
            f"{self.ADVANCE_KEY}-alerts:{seed}:{dataset.region}:{self.now_ms}:{next_tiny}"
        )
        return self.alert_traffic.pass_hour(
            rng,
            account_ms=self.now_ms,
            teams=dataset.teams,
            users=dataset.users,
            memberships=dataset.memberships,
        )


def _changed(rng: random.Random, incident: Record, kind: str, at_ms: int) -> Record:
    """A new dict (readers may hold the old one) with one status or priority change applied."""
    record = {**incident, "updatedAt": iso_ms(at_ms)}
    if kind == "resolve":
        record.update(status="resolved", isSeen=True, impactEndDate=iso_ms(at_ms))
    elif kind == "close":
        record.update(status="closed", isSeen=True)
    elif kind == "reopen":
        record.pop("impactEndDate", None)
        record.update(status="open", isSeen=rng.random() < 0.5)
    else:
        record["priority"] = _priority(rng, instead_of=record["priority"])
    return record


def _priority(rng: random.Random, *, instead_of: str | None = None) -> str:
    choices = [p for p in PRIORITY_WEIGHTS if p != instead_of]
    return rng.choices(choices, weights=[PRIORITY_WEIGHTS[p] for p in choices])[0]
