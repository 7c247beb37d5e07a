"""The emulator's on-call configuration reads (escalation policies, schedules with their
rendered final schedule, on-calls, business services), each as the REST API v2 answers it:
classic paging with its caps, the singular or plural wrapper, 404 and 400 bodies (reference
§5.1, §5.2). The data: ``config``."""

from __future__ import annotations

from typing import Any, Final

from integrations.providers.pagerduty.sandbox.config import (
    DAY_S,
    AccountConfig,
    account_config,
    coverage,
    entries,
)
from integrations.providers.pagerduty.sandbox.data import Record, iso_s, reference
from integrations.providers.pagerduty.sandbox.params import (
    named,
    paged,
    problem,
    read_page,
    set_param,
    sort_by_name,
    time_window,
)
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore
from integrations.sandbox.wsgi import Request

NOT_FOUND: Final = {"message": "Not Found", "code": 2100}
POLICY_INCLUDES: Final = ("services", "teams", "targets")
# Guess: a schedule answer without since/until renders two weeks; the longest window is
# unconfirmed for schedules, 90 days for on-calls (the documented one).
SCHEDULE_DEFAULT_S: Final = 14 * DAY_S
MAX_WINDOW_DAYS: Final = 90


class ConfigRoutes:
    def __init__(self, store: PagerDutyStore) -> None:
        self.store = store

    def _config(self) -> AccountConfig:
        return account_config(self.store.dataset, self.store.users())

    def list_policies(self, request: Request, credential: object) -> dict[str, Any]:
        page = read_page(request)
        descending = sort_by_name(request)
        set_param(request, "include", POLICY_INCLUDES)
        user_ids, team_ids = set_param(request, "user_ids"), set_param(request, "team_ids")
        policies = named(request, self._config().policies)
        if team_ids:
            policies = [p for p in policies if any(t["id"] in team_ids for t in p["teams"])]
        if user_ids:
            policies = [p for p in policies if _targets(p, "user_reference") & user_ids]
        policies.sort(key=lambda p: (p["name"].casefold(), p["id"]), reverse=descending)
        return paged("escalation_policies", policies, page)

    def get_policy(self, request: Request, credential: object, identifier: str) -> dict[str, Any]:
        policy = self._config().policy(identifier)
        if policy is None:
            raise problem(404, NOT_FOUND)
        return {"escalation_policy": policy}

    def list_schedules(self, request: Request, credential: object) -> dict[str, Any]:
        page = read_page(request)
        schedules = named(request, self._config().schedules)
        schedules.sort(key=lambda s: (s["name"].casefold(), s["id"]))
        return paged("schedules", schedules, page)

    def get_schedule(self, request: Request, credential: object, identifier: str) -> dict[str, Any]:
        config = self._config()
        schedule = config.schedule(identifier)
        if schedule is None:
            raise problem(404, NOT_FOUND)
        since, until = time_window(
            request, self.store.now_s, default_s=SCHEDULE_DEFAULT_S, max_days=MAX_WINDOW_DAYS
        )
        layers = config.layers[identifier]
        final = entries(layers, since, until)
        rendered_layers = []
        for layer, layer_id in zip(layers, config.layer_ids[identifier], strict=False):
            own = entries([layer], since, until)
            rendered_layers.append(
                {
                    "id": layer_id,
                    "name": layer.name,
                    "start": iso_s(layer.start_s),
                    "end": None if layer.end_s is None else iso_s(layer.end_s),
                    "rotation_virtual_start": iso_s(layer.virtual_start_s),
                    "rotation_turn_length_seconds": layer.turn_s,
                    "users": [{"user": reference(user)} for user in layer.users],
                    "restrictions": [],
                    "rendered_schedule_entries": own,
                    "rendered_coverage_percentage": coverage(own, since, until),
                }
            )
        detail = {
            **schedule,
            "schedule_layers": rendered_layers,
            "overrides_subschedule": {
                "name": "Overrides",
                "rendered_schedule_entries": [],
                "rendered_coverage_percentage": 0.0,
            },
            "final_schedule": {
                "name": "Final Schedule",
                "rendered_schedule_entries": final,
                "rendered_coverage_percentage": coverage(final, since, until),
            },
        }
        return {"schedule": detail}

    def list_oncalls(self, request: Request, credential: object) -> dict[str, Any]:
        """Who is on call in the window (default: now), per policy and level; a user target is
        always on call (no start or end), a schedule's turns keep their own start and end."""
        page = read_page(request)
        now = self.store.now_s
        since, until = time_window(request, now, default_s=0, max_days=MAX_WINDOW_DAYS)
        until = max(until, since + 1)  # "now": the turns covering this second
        wanted_policies = set_param(request, "escalation_policy_ids")
        wanted_schedules = set_param(request, "schedule_ids")
        wanted_users = set_param(request, "user_ids")
        config = self._config()
        found: list[Record] = []
        for policy in sorted(config.policies, key=lambda p: (p["name"].casefold(), p["id"])):
            if wanted_policies and policy["id"] not in wanted_policies:
                continue
            for level, rule in enumerate(policy["escalation_rules"], start=1):
                for target in rule["targets"]:
                    found += _on_call(config, policy, level, target, since, until)
        if wanted_schedules:
            found = [o for o in found if (o["schedule"] or {}).get("id") in wanted_schedules]
        if wanted_users:
            found = [o for o in found if o["user"]["id"] in wanted_users]
        return paged("oncalls", found, page)

    def list_business_services(self, request: Request, credential: object) -> dict[str, Any]:
        page = read_page(request)
        services = sorted(
            self._config().business_services, key=lambda s: (s["name"].casefold(), s["id"])
        )
        return paged("business_services", services, page)


def _targets(policy: Record, kind: str) -> set[str]:
    return {
        target["id"]
        for rule in policy["escalation_rules"]
        for target in rule["targets"]
        if target["type"] == kind
    }


def _on_call(
    config: AccountConfig, policy: Record, level: int, target: Record, since: int, until: int
) -> list[Record]:
    common = {"escalation_policy": reference(policy), "escalation_level": level}
    if target["type"] == "user_reference":
        return [{**common, "schedule": None, "user": target, "start": None, "end": None}]
    schedule = config.schedule(target["id"])
    if schedule is None:
        return []
    turns = entries(config.layers[schedule["id"]], since, until, clip=False)
    return [
        {
            **common,
            "schedule": reference(schedule),
            "user": t["user"],
            "start": t["start"],
            "end": t["end"],
        }
        for t in turns
    ]
