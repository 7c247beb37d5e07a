"""The store holding one region's synthetic PagerDuty account, how time passes in it, and the
notes derived from its incidents."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from integrations.providers.pagerduty.sandbox.config import account_config
from integrations.providers.pagerduty.sandbox.config_passing import pass_configuration
from integrations.providers.pagerduty.sandbox.data import (
    HOUR_S,
    ID_CHARS,
    Ids,
    PagerDutyDataset,
    Record,
    iso_s,
    make_incident,
    new_user,
    other_role,
    parse_iso_s,
    priority_ref,
    reference,
    with_status,
)
from integrations.sandbox.names import fill, start_of_day
from integrations.sandbox.timeline import (
    AccountStore,
    account_clock,
)

_NOTES = (
    "Acknowledged, looking into it.",
    "Rolled back the last deploy; error rate back to normal.",
    "Root cause: config change to {service}. Postmortem to follow.",
    "Customers notified via the status page.",
    "Le basculement a échoué ; nous relançons à la main.",
    "監視アラートが発報しました。",
    "Payload contained <img src=x onerror=alert(1)> and was rejected.",
    "No data loss. 👍",
    "Dataloss: {count} rows could not be restored from backup.",
)


def incident_notes(dataset: PagerDutyDataset, incident: Record) -> list[Record]:
    """An incident's notes, derived from it (not stored): cheap at any dataset size."""
    rng = random.Random(f"pagerduty-notes:{dataset.seed}:{incident['id']}:{incident['status']}")
    wanted = rng.choice((0, 1, 1, 2, 3) if incident["status"] == "resolved" else (0, 0, 1))
    if not dataset.users or not wanted:
        return []
    start = parse_iso_s(incident["created_at"])
    end = parse_iso_s(incident["last_status_change_at"])
    notes = []
    for step in range(wanted):
        at = iso_s(start + (end - start) * (step + 1) // (wanted + 1))
        author = rng.choice(dataset.users)
        notes.append(
            {
                "id": "".join(rng.choices(ID_CHARS, k=26)),
                "user": reference(author),
                "channel": {"summary": "The PagerDuty website or APIs"},
                "content": fill(
                    rng.choice(_NOTES),
                    {"service": incident["service"]["summary"], "count": rng.randint(2, 999)},
                ),
                "created_at": at,
                "updated_at": at,
            }
        )
    return notes


# How the changes of one `advance` split between kinds; whatever a kind cannot take becomes an
# urgency or priority change, so the total stays as asked.
_ACKNOWLEDGE_SHARE = 0.3
_RESOLVE_SHARE = 0.5


@dataclass
class PagerDutyStore(AccountStore):
    """One region's account, shared by all request threads (reads and locking: AccountStore).

    When time passes, incidents go triggered → acknowledged, open → resolved, and the rest get a
    new urgency or priority; `created_at` and `incident_number` never change. People are
    invited (into some teams), leave, and change role."""

    dataset: PagerDutyDataset
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _by_id: dict[str, Record] = field(default_factory=dict, repr=False)
    _by_number: dict[int, Record] = field(default_factory=dict, repr=False)
    _next_number: int = field(default=1, repr=False)

    def __post_init__(self) -> None:
        with self.lock:
            self.reindex()
            self.dataset.now_s = account_clock(
                self.dataset.incidents,
                fields=("created_at", "updated_at"),
                parse=parse_iso_s,
                given=self.dataset.now_s,
                fallback=lambda: int(start_of_day().timestamp()),
            )

    def reindex(self) -> None:
        with self.lock:
            self._by_id = {i["id"]: i for i in self.dataset.incidents}
            self._by_number = {i["incident_number"]: i for i in self.dataset.incidents}
            self._next_number = max(self._next_number, max(self._by_number, default=0) + 1)

    def incident(self, identifier: str) -> Record | None:
        """By id or by incident number, as `GET /incidents/{id}` accepts both (reference §3.3)."""
        with self.lock:
            if identifier.isdigit():
                found = self._by_number.get(int(identifier))
                if found is not None:
                    return found
            return self._by_id.get(identifier)

    def notes(self, incident: Record) -> list[Record]:
        return incident_notes(self.dataset, incident)

    @property
    def region(self) -> str:
        return self.dataset.region

    @property
    def now_s(self) -> int:
        with self.lock:
            assert self.dataset.now_s is not None  # set by __post_init__
            return self.dataset.now_s

    ADVANCE_KEY = "pagerduty-advance"
    TICKS_PER_HOUR = HOUR_S
    TRANSITIONS = (
        ("acknowledge", ("triggered",), _ACKNOWLEDGE_SHARE),
        ("resolve", ("triggered", "acknowledged"), _RESOLVE_SHARE),
    )
    REST = "other"

    def _clock(self) -> int:
        return self.now_s

    def _set_clock(self, now: int) -> None:
        self.dataset.now_s = now

    def _serial(self) -> int:
        return self._next_number

    def _stamp(self, now: int) -> str:
        return iso_s(now)

    def _new_incidents(self, rng: random.Random, count: int, now: int) -> list[Record]:
        ids = Ids(rng)
        ids.taken = set(self._by_id)
        return [
            make_incident(
                rng,
                ids,
                self.dataset,
                self._next_number + offset,
                now + offset,
                now + offset,
                status="triggered",
            )
            for offset in range(count)
        ]

    def _new_users(self, rng: random.Random, count: int, users: list[Record]) -> list[Record]:
        ids = Ids(rng)
        ids.taken = {record["id"] for record in (*users, *self.dataset.teams)}
        joined: list[Record] = []
        for _ in range(count):
            dataset = self.dataset
            user = new_user(rng, ids, dataset.region, dataset.teams, users + joined, self.now_s)
            joined.append(user)
        return joined

    def _re_roled(self, rng: random.Random, user: Record) -> Record:
        return {**user, "role": other_role(rng, user)}

    def _people_left(self, users: list[Record]) -> None:
        """Their team references leave with their records."""

    def _configuration_change(self, rng: random.Random) -> dict[str, list[Any]]:
        config = account_config(self.dataset, self.dataset.users)
        return pass_configuration(rng, self.dataset, config, now_s=self.now_s)

    def user(self, identifier: str) -> Record | None:
        with self.lock:
            return next((u for u in self.dataset.users if u["id"] == identifier), None)

    def team(self, identifier: str) -> Record | None:
        with self.lock:
            return next((t for t in self.dataset.teams if t["id"] == identifier), None)

    def _changed(self, rng: random.Random, incident: Record, kind: str, at_s: int) -> Record:
        user = rng.choice(self.dataset.users) if self.dataset.users else None
        if kind == "acknowledge":
            return with_status(incident, "acknowledged", at_s, user)
        if kind == "resolve":
            return with_status(incident, "resolved", at_s, user)
        at = iso_s(at_s)
        if rng.random() < 0.5:
            urgency = "low" if incident["urgency"] == "high" else "high"
            return {**incident, "urgency": urgency, "updated_at": at}
        priority = priority_ref(
            rng, self.dataset, instead_of=(incident["priority"] or {}).get("name")
        )
        return {**incident, "priority": priority, "updated_at": at}
