"""The emulated site as served, and time passing in it.

Changes are stamped with the server's clock (``updated`` is when the change happened), later than
anything already in the site: a search by ``updated >=`` then finds them as Jira's would."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.providers.jsm.sandbox.data import (
    INCIDENT_TYPE,
    PRIORITIES,
    PRIORITY_IDS,
    PROJECTS,
    JsmSite,
    Record,
    jira_time,
    make_item,
    status_of,
)
from integrations.providers.jsm.sandbox.ops_data import OpsConfiguration
from integrations.providers.jsm.sandbox.ops_passing import pass_alerts, pass_configuration
from integrations.sandbox.timeline import advance_counts, check_advance_options

MAX_NEW_PER_ADVANCE = 10_000


@dataclass
class JsmStore:
    """One site, shared by all request threads: readers copy the list under the lock; writers
    replace items with new dicts."""

    site: JsmSite
    clock: Callable[[], float]
    # The site's Operations configuration (what the Ops API serves besides alerts).
    ops: OpsConfiguration | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _last_ms: int = 0

    def __post_init__(self) -> None:
        self._last_ms = self.site.now_ms

    def items(self) -> list[Record]:
        with self.lock:
            return list(self.site.items)

    def incidents(self) -> list[Record]:
        """The work items of the incident type (what time passing changes)."""
        with self.lock:
            return [i for i in self.site.items if _is_incident(i)]

    def alerts(self) -> list[Record]:
        with self.lock:
            return list(self.site.alerts)

    def item(self, key: str) -> Record | None:
        with self.lock:
            return next((i for i in self.site.items if key in (i["key"], i["id"])), None)

    def user(self, email: str, token: str) -> Record | None:
        return next(
            (u for u in self.site.users if u["emailAddress"] == email and u["token"] == token),
            None,
        )

    def change(
        self,
        key: str,
        *,
        status: str | None = None,
        priority: str | None = None,
        summary: str | None = None,
    ) -> Record:
        """Change one work item now (a test's or a demo's way to change an exact one)."""
        with self.lock:
            index = next(n for n, i in enumerate(self.site.items) if key in (i["key"], i["id"]))
            changed = self._changed(self.site.items[index], status, priority, summary)
            self.site.items = [*self.site.items[:index], changed, *self.site.items[index + 1 :]]
            return changed

    def remove(self, keys: set[str]) -> None:
        with self.lock:
            self.site.items = [i for i in self.site.items if not keys & {i["key"], i["id"]}]

    def advance(
        self,
        *,
        changed_fraction: float = 0.01,
        new: int | None = None,
        deleted: int | None = None,
        seed: int | None = None,
        people: int = 1,
    ) -> dict[str, Any]:
        """Time passes: some incidents change (resolved, reopened or re-prioritised), new ones
        are raised, some are deleted; then, from random streams of their own, alerts are
        acknowledged, closed and raised (the summary's "alerts") and the Operations
        configuration changes as the other emulators' does: a heartbeat expires, a schedule
        gets a gap, sometimes an escalation is cut down to one person (its "configuration";
        ``ops_passing``). People do not change here (no people are served yet)."""
        check_advance_options(
            changed_fraction=changed_fraction,
            new=new,
            deleted=deleted,
            seed=seed,
            max_new=MAX_NEW_PER_ADVANCE,
            people=people,
        )
        with self.lock:
            items = list(self.site.items)
            pool = [index for index, item in enumerate(items) if _is_incident(item)]
            changes, new, deleted = advance_counts(
                total=len(pool), changed_fraction=changed_fraction, new=new, deleted=deleted
            )
            rng = random.Random(f"jsm-advance:{seed}:{len(items)}:{self._last_ms}")
            indexes = rng.sample(pool, changes + deleted)
            gone = {items[i]["id"] for i in indexes[changes:]}
            changed = []
            for index in indexes[:changes]:
                done = items[index]["fields"]["status"]["statusCategory"]["key"] == "done"
                status = "Open" if done and rng.random() < 0.2 else "Resolved" if not done else None
                priority = None if status else rng.choice(list(PRIORITIES))
                items[index] = self._changed(items[index], status, priority, None)
                changed.append(items[index]["id"])
            created: list[Record] = []
            for _ in range(new):
                created.append(self._new(rng, [*items, *created]))
            self.site.items = [i for i in items if i["id"] not in gone] + created
            summary: dict[str, Any] = {
                "changed": changed,
                "created": [i["id"] for i in created],
                "deleted": sorted(gone),
                "now": jira_time(self._last_ms),
            }
            alerts_rng = random.Random(f"jsm-advance-alerts:{seed}:{len(self.site.alerts)}")
            self.site.alerts, summary["alerts"] = pass_alerts(
                alerts_rng, self.site.alerts, self._stamp
            )
            if self.ops is not None:
                config_rng = random.Random(f"jsm-advance-configuration:{seed}:{self.ops.now_ms}")
                summary["configuration"] = pass_configuration(config_rng, self.ops)
            return summary

    def _stamp(self) -> int:
        self._last_ms = max(int(self.clock() * 1000), self._last_ms + 1)
        return self._last_ms

    def _changed(
        self, item: Record, status: str | None, priority: str | None, summary: str | None
    ) -> Record:
        fields = dict(item["fields"])
        now = self._stamp()
        if status is not None:
            fields["status"] = status_of(status)
            done = fields["status"]["statusCategory"]["key"] == "done"
            fields["resolutiondate"] = (
                (fields["resolutiondate"] or jira_time(now)) if done else None
            )
        if priority is not None:
            fields["priority"] = {"id": PRIORITY_IDS[priority], "name": priority}
        if summary is not None:
            fields["summary"] = summary
        fields["updated"] = jira_time(now)
        return {**item, "fields": fields}

    def _new(self, rng: random.Random, items: list[Record]) -> Record:
        """A new incident, numbered after every item there is (deleted ones' numbers are never
        reused: ``items`` still holds them)."""
        number = max((int(i["id"]) for i in items), default=9_999) + 1
        ops = max((int(i["key"][4:]) for i in items if i["key"].startswith("OPS-")), default=0)
        now = self._stamp()
        return make_item(rng, number, f"OPS-{ops + 1}", PROJECTS[0], INCIDENT_TYPE, now, now, [])


def _is_incident(item: Record) -> bool:
    return bool(item["fields"]["issuetype"]["name"] == INCIDENT_TYPE["name"])
