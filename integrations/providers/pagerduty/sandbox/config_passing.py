"""How the sandbox account's on-call schedules change as time passes (``PagerDutyStore.advance``).

Each hour, one schedule an escalation policy notifies and that has no gap yet (while any is
left) gets one in its final schedule: its layer ends between 2 and 9 days from now (at 09:00
UTC) and a second layer of the same people starts one or two days later, as when a team
re-plans its rotation and leaves a hole. The gap is kept in the dataset
(``schedule_gaps``), from which ``config.account_config`` lays out the layers per request.
"""

from __future__ import annotations

import random
from typing import Any

from integrations.providers.pagerduty.sandbox.config import (
    DAY_S,
    GAP_SCHEDULE,
    HOUR_S,
    UNUSED_SCHEDULE,
    AccountConfig,
)
from integrations.providers.pagerduty.sandbox.data import PagerDutyDataset, iso_s
from integrations.sandbox.config_passing import gap_window


def pass_configuration(
    rng: random.Random, dataset: PagerDutyDataset, config: AccountConfig, *, now_s: int
) -> dict[str, list[Any]]:
    """Open one hour's gap at ``now_s`` (``config``: the account as it is before); what changed."""
    used = {
        target["id"]
        for policy in config.policies
        for rule in policy["escalation_rules"]
        for target in rule["targets"]
        if target["type"] == "schedule_reference"
    }
    candidates = [
        schedule
        for schedule in config.schedules
        if schedule["id"] in used
        and schedule["name"] not in (GAP_SCHEDULE, UNUSED_SCHEDULE)
        and schedule["name"] not in dataset.schedule_gaps
    ]
    if not candidates:
        return {"schedule_gaps": []}
    schedule = rng.choice(candidates)
    start, end = gap_window(rng, now_s, day=DAY_S, hour=HOUR_S)
    dataset.schedule_gaps = {**dataset.schedule_gaps, schedule["name"]: (start, end)}
    return {"schedule_gaps": [{"schedule": schedule["id"], "from": iso_s(start), "to": iso_s(end)}]}
