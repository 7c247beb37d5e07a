"""What both emulators' advance() share: how many changes, which incidents, the new list.

Each provider keeps what differs: its status transitions, how one incident changes, and how a
new incident looks. Random draws happen in a fixed order, so a seed gives the same history.
"""

from __future__ import annotations

import math
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

Record = dict[str, Any]
# (kind of change, statuses it applies to, share of all changes)
Transition = tuple[str, Sequence[str], float]


def advance_counts(
    *, total: int, changed_fraction: float, new: int | None, deleted: int | None
) -> tuple[int, int, int]:
    """(changes, new, deleted): defaults of half and a tenth as many as changed."""
    changes = round(changed_fraction * total)
    new = changes // 2 if new is None else new
    deleted = changes // 10 if deleted is None else deleted
    if deleted > total:
        raise ValueError(f"Cannot delete {deleted} incidents: the account has {total}")
    return min(changes, total - deleted), new, deleted


def plan_changes(
    rng: random.Random,
    incidents: Sequence[Record],
    *,
    status_of: Callable[[Record], str],
    changes: int,
    deleted: int,
    transitions: Sequence[Transition],
    rest: str,
) -> tuple[set[int], dict[int, str]]:
    """Indexes to delete, and the kind of change of each index that changes.

    Transitions short of candidates leave their share to ``rest`` (any incident), so the total
    is always what was asked."""
    total = len(incidents)
    gone = set(rng.sample(range(total), deleted))
    by_status: dict[str, list[int]] = defaultdict(list)
    for index, incident in enumerate(incidents):
        if index not in gone:
            by_status[status_of(incident)].append(index)
    taken = set(gone)

    def pick(pool: list[int], wanted: int) -> list[int]:
        free = [index for index in pool if index not in taken]
        chosen = rng.sample(free, min(wanted, len(free)))
        taken.update(chosen)
        return chosen

    plan = {
        kind: pick([i for status in statuses for i in by_status[status]], round(changes * share))
        for kind, statuses, share in transitions
    }
    planned = sum(len(chosen) for chosen in plan.values())
    plan[rest] = pick(list(range(total)), changes - planned)
    return gone, {index: kind for kind, chosen in plan.items() for index in chosen}


def apply_changes(
    incidents: Sequence[Record],
    *,
    gone: set[int],
    replaced: dict[int, Record],
    created: list[Record],
    now: str,
) -> tuple[list[Record], dict[str, Any]]:
    """The incident list after time passed, and the summary advance() returns."""
    after = [
        replaced.get(index, incident)
        for index, incident in enumerate(incidents)
        if index not in gone
    ] + created
    summary = {
        "changed": [replaced[index]["id"] for index in sorted(replaced)],
        "created": [incident["id"] for incident in created],
        "deleted": [incidents[index]["id"] for index in sorted(gone)],
        "now": now,
    }
    return after, summary


def check_advance_options(
    *, changed_fraction: Any, new: Any, deleted: Any, seed: Any, max_new: int, people: Any = 1
) -> None:
    """Refuse bad options before anything changes (they arrive as JSON from the control API)."""
    if (
        isinstance(changed_fraction, bool)
        or not isinstance(changed_fraction, int | float)
        or not math.isfinite(changed_fraction)
        or not 0 <= changed_fraction <= 1
    ):
        raise ValueError("changed_fraction must be a number between 0 and 1")
    for name, value, most in (
        ("new", new, max_new),
        ("deleted", deleted, None),
        ("people", people, MAX_PEOPLE_PER_ADVANCE),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0")
        if most is not None and value > most:
            raise ValueError(f"{name} must be at most {most}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError("seed must be an integer")


def account_clock(
    incidents: Sequence[Record],
    *,
    fields: tuple[str, str],
    parse: Callable[[str], int],
    given: int | None,
    fallback: Callable[[], int],
) -> int:
    """The account's clock at start: the given time, or the latest of ``fields`` in the data
    when later (no timestamp may lie in the account's future); ``fallback()`` with neither.
    Both providers' timestamp formats sort like the instants they name."""
    latest = max((i[name] for i in incidents for name in fields), default=None)
    clock = [given or 0]
    if latest is not None:
        clock.append(parse(latest))
    return max(clock) or fallback()


# advance() refuses more new incidents than this in one step (the control API is open).
MAX_NEW_PER_ADVANCE = 100_000
# ...and more people joining, leaving and changing role than this.
MAX_PEOPLE_PER_ADVANCE = 1_000
# Each hour this many people join, as many leave and as many change role, unless told otherwise:
# few enough that an account of a few dozen stays recognisable, enough that every sync after
# time passed sees each kind of change.
PEOPLE_PER_ADVANCE = 1
# The first users of an account (its owner and first admins) never leave nor change role: the
# emulated OAuth tokens act as one of them, and an account always keeps its owner.
STEADY_USERS = 3


class AccountStore:
    """What both emulated accounts share, mixed into each provider's store dataclass (which
    holds ``dataset`` and ``lock``): snapshot reads under the lock, and advance()'s checks.

    Readers take a shallow list copy under the lock and work on it without holding the lock,
    so every page is computed from one consistent state. Writers (``_advance``) therefore
    replace records with new dicts rather than mutate them, swap in a new list and rebuild the
    indexes, all under the lock."""

    dataset: Any
    lock: threading.RLock

    def incidents(self) -> list[Record]:
        with self.lock:
            return list(self.dataset.incidents)

    def users(self) -> list[Record]:
        with self.lock:
            return list(self.dataset.users)

    def teams(self) -> list[Record]:
        with self.lock:
            return list(self.dataset.teams)

    def services(self) -> list[Record]:
        with self.lock:
            return list(self.dataset.services)

    def remove(self, upstream_ids: set[str]) -> None:
        """Delete these incidents at once, with no time passing: a test's way to delete one at
        an exact place in a listing (advance() deletes at random)."""
        with self.lock:
            self.dataset.incidents = [
                incident
                for incident in self.dataset.incidents
                if incident["id"] not in upstream_ids
            ]
            self.reindex()

    def remove_users(self, upstream_ids: set[str]) -> None:
        """Remove these people at once, with no time passing: a test's or a demo's way to revoke
        one exact account (advance() picks at random)."""
        with self.lock:
            gone = [user for user in self.dataset.users if user["id"] in upstream_ids]
            self.dataset.users = [u for u in self.dataset.users if u["id"] not in upstream_ids]
            self._people_left(gone)

    def advance(
        self,
        *,
        changed_fraction: float = 0.01,
        new: int | None = None,
        deleted: int | None = None,
        seed: int | None = None,
        people: int = PEOPLE_PER_ADVANCE,
    ) -> dict[str, Any]:
        """Let time pass upstream: one hour on the account's clock, and what happened in it.

        ``changed_fraction`` of the existing incidents change (the provider's status transitions,
        the rest a new priority or urgency); ``new`` incidents appear (default: half as many as
        changed) and ``deleted`` ones disappear (default: a tenth). Every change is stamped at or
        after the returned ``now``, later than any timestamp already in the store; creation times
        never change. ``people`` users join, as many leave and as many get another role (the
        account's first STEADY_USERS never do); the summary's "users" names them. The
        configuration changes too, as each provider's ``_configuration_change`` says (one heartbeat
        stops, one schedule gets a gap); the summary's "configuration" names what, and its "alerts"
        the alerts acknowledged, closed and raised (``_alerts_change``). The same seed on
        the same state gives the same result; without a seed the state alone decides, so
        replaying the same calls replays the same history."""
        check_advance_options(
            changed_fraction=changed_fraction,
            new=new,
            deleted=deleted,
            seed=seed,
            max_new=MAX_NEW_PER_ADVANCE,
            people=people,
        )
        with self.lock:
            summary = self._advance(changed_fraction, new, deleted, seed)
            # After the incidents, from a random stream of its own: the incidents' history is
            # the same whatever happens to the people.
            summary["users"] = self._people_change(people, seed)
            # Last, from a stream of its own again: heartbeats stop, schedules get gaps.
            rng = random.Random(
                f"{self.ADVANCE_KEY}-configuration:{seed}:{self.dataset.region}:{self._clock()}"
            )
            summary["configuration"] = self._configuration_change(rng)
            # And the alerts, for a provider that has them (again from a stream of its own).
            alerts = self._alerts_change(seed)
            if alerts is not None:
                summary["alerts"] = alerts
            return summary

    def _people_change(self, people: int, seed: int | None) -> dict[str, list[str]]:
        users = self.dataset.users
        rng = random.Random(
            f"{self.ADVANCE_KEY}-users:{seed}:{self.dataset.region}:{self._clock()}:{len(users)}"
        )
        movable = list(range(STEADY_USERS, len(users)))
        leaving = set(rng.sample(movable, min(people, len(movable))))
        staying = [index for index in movable if index not in leaving]
        re_roled = set(rng.sample(staying, min(people, len(staying))))
        replaced = {index: self._re_roled(rng, users[index]) for index in sorted(re_roled)}
        kept = [replaced.get(i, user) for i, user in enumerate(users) if i not in leaving]
        joined = self._new_users(rng, people, kept)
        self.dataset.users = kept + joined
        self._people_left([users[index] for index in sorted(leaving)])
        return {
            "joined": [user["id"] for user in joined],
            "left": [users[index]["id"] for index in sorted(leaving)],
            "role_changed": [replaced[index]["id"] for index in sorted(replaced)],
        }

    def _advance(
        self, changed_fraction: float, new: int | None, deleted: int | None, seed: int | None
    ) -> dict[str, Any]:
        """One hour passes: the planned changes, each at its own tick of the account's clock
        (as separate upstream events would be), then the new incidents, in a fixed draw order."""
        incidents = self.dataset.incidents
        total = len(incidents)
        changes, new, deleted = advance_counts(
            total=total, changed_fraction=changed_fraction, new=new, deleted=deleted
        )
        now = self._clock() + self.TICKS_PER_HOUR
        rng = random.Random(
            f"{self.ADVANCE_KEY}:{seed}:{self.dataset.region}:{now}:{total}:{self._serial()}"
        )
        gone, kinds = plan_changes(
            rng,
            incidents,
            status_of=lambda incident: incident["status"],
            changes=changes,
            deleted=deleted,
            transitions=self.TRANSITIONS,
            rest=self.REST,
        )
        replaced = {
            index: self._changed(rng, incidents[index], kinds[index], now + step)
            for step, index in enumerate(sorted(kinds))
        }
        created = self._new_incidents(rng, new, now)
        self.dataset.incidents, summary = apply_changes(
            incidents, gone=gone, replaced=replaced, created=created, now=self._stamp(now)
        )
        self._set_clock(now + max(len(replaced), len(created), 1) - 1)
        self.reindex()
        return summary

    # What each provider's store says about itself, for _advance.
    ADVANCE_KEY: str  # names the random stream: "<provider>-advance"
    TICKS_PER_HOUR: int  # the account clock's unit: milliseconds or seconds
    TRANSITIONS: tuple[Transition, ...]
    REST: str  # the kind of change for the incidents no transition takes

    def reindex(self) -> None:
        raise NotImplementedError

    def _clock(self) -> int:
        raise NotImplementedError

    def _set_clock(self, now: int) -> None:
        raise NotImplementedError

    def _serial(self) -> int:
        """The next human number the account would give; part of the random stream's name."""
        raise NotImplementedError

    def _stamp(self, now: int) -> str:
        raise NotImplementedError

    def _changed(self, rng: random.Random, incident: Record, kind: str, at: int) -> Record:
        raise NotImplementedError

    def _new_incidents(self, rng: random.Random, count: int, now: int) -> list[Record]:
        raise NotImplementedError

    def _new_users(self, rng: random.Random, count: int, users: list[Record]) -> list[Record]:
        """People who join now (their e-mails new to ``users``), with their teams."""
        raise NotImplementedError

    def _re_roled(self, rng: random.Random, user: Record) -> Record:
        """A new dict of ``user`` with another role."""
        raise NotImplementedError

    def _people_left(self, users: list[Record]) -> None:
        """Forget what the provider keeps about these people besides their record (teams)."""

    def _configuration_change(self, rng: random.Random) -> dict[str, list[Any]]:
        """One hour's changes to the account's configuration at ``_clock()``, and what they
        were; none by default."""
        return {}

    def _alerts_change(self, seed: int | None) -> dict[str, list[str]] | None:
        """One hour's alerts (acknowledged, closed, created), or None for an account without
        alerts (the summary then has no "alerts")."""
        return None
