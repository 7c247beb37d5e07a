"""How an OpsGenie account's alerts change as time passes (``OpsGenieStore.advance``): the draws
shared with the JSM site (``integrations.sandbox.alert_passing``: one open alert acknowledged,
another closed, one to three new ones raised), in OpsGenie's shapes (reference §4.1):

- an acknowledged alert gets ``acknowledged``, ``isSeen``, a new ``updatedAt``, its report's
  ``ackTime`` and ``acknowledgedBy`` (one of the responding team's members), and that person
  as ``owner`` when it had none;
- a closed alert gets ``status`` closed, a new ``updatedAt`` and its report's ``closeTime`` and
  ``closedBy``; one not yet acknowledged is acknowledged by the same person at the same moment
  (as every closed alert of the account was), and a snoozed one is no longer snoozed;
- a new alert is open, unacknowledged and unseen, occurred once (``lastOccurredAt`` is its
  ``createdAt``), comes through one of the account's monitoring integrations, with the tinyId
  after the account's highest, a team of the account as responder and a message of the kind
  the account's other alerts have.

``lastOccurredAt`` changes for nothing else: nothing recurs here. The details endpoints (logs,
notes, recipients: ``alert_details``) follow from these fields, so each change has its log entry.

Each change is stamped later than anything the store holds, and never before the account's new
clock nor the store's clock (the wall clock unless a test gives one): a sandbox started on a
past date still has its changes after a sync that ran in real time, as upstream's would be.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from integrations.providers.opsgenie.sandbox.alert_data import new_alert, username
from integrations.providers.opsgenie.sandbox.alerts import AlertStore
from integrations.providers.opsgenie.sandbox.data import Record, iso_ms, parse_iso_ms
from integrations.sandbox.alert_passing import CLOSED, pass_alerts


@dataclass
class AlertTraffic:
    """The alerts an account receives as time passes: its alert store, and the monitoring
    integrations new alerts come through (``alert_data.alert_monitors``)."""

    store: AlertStore
    monitors: list[Record] = field(default_factory=list)

    def pass_hour(
        self,
        rng: random.Random,
        *,
        account_ms: int,
        teams: list[Record],
        users: list[Record],
        memberships: dict[str, list[tuple[str, str]]],
    ) -> dict[str, list[str]]:
        """One hour's alerts; what changed, for advance()'s ``alerts``."""
        store = self.store
        with store.lock:
            alerts = store.snapshot()
            latest = max((_latest_ms(alert) for alert in alerts), default=0)
            wall = int(store.clock() * 1000)
            ticks = itertools.count(max(account_ms, wall, latest + 1))

            def changed(alert: Record, kind: str, at_ms: int) -> Record:
                who = _responder(rng, alert, users, memberships)
                return _changed(alert, kind, at_ms, who)

            def raised(tiny: int, at_ms: int) -> Record:
                return new_alert(rng, tiny, at_ms, self.monitors, teams, users)

            hour = pass_alerts(
                rng,
                alerts,
                next_tiny=store.next_tiny,
                stamp=lambda: next(ticks),
                changed=changed,
                raised=raised,
            )
            store.replace_all([*hour.alerts, *hour.created])
            return hour.summary


def _latest_ms(alert: Record) -> int:
    return max(parse_iso_ms(alert["updatedAt"]), parse_iso_ms(alert["createdAt"]))


def _responder(
    rng: random.Random,
    alert: Record,
    users: list[Record],
    memberships: dict[str, list[tuple[str, str]]],
) -> str:
    """The username of one of the responding teams' members (anyone's when none is left)."""
    teams = {r.get("id") for r in alert.get("responders") or [] if r.get("type") == "team"}
    members = [
        user
        for user in users
        if any(team in teams for team, _role in memberships.get(user["id"], []))
    ]
    return username(rng, members or users)


def _changed(alert: Record, kind: str, at_ms: int, who: str) -> Record:
    """A new dict (readers may hold the old one): ``alert`` acknowledged (``ACKNOWLEDGED``) or
    closed (``CLOSED``) by ``who``."""
    since = at_ms - parse_iso_ms(alert["createdAt"])
    report = dict(alert.get("report") or {})
    record = {**alert, "updatedAt": iso_ms(at_ms), "isSeen": True}
    if "seen" in record:
        record["seen"] = True
    if not alert["acknowledged"]:
        report.update(ackTime=since, acknowledgedBy=who)
        record["acknowledged"] = True
        record["owner"] = record.get("owner") or who
    if kind == CLOSED:
        report.update(closeTime=since, closedBy=who)
        record.update(status="closed", snoozed=False)
        record.pop("snoozedUntil", None)
    record["report"] = report
    return record
