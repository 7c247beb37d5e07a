"""What the sandbox server serves for OpsGenie: one account per region at /opsgenie/<region>,
standing in for https://api.opsgenie.com and https://api.eu.opsgenie.com, and the Alert API of
Jira Service Management's integration endpoint at /jsm/ops/integration (standing in for
https://api.atlassian.com/jsm/ops/integration); the contract: `integrations.sandbox.contract`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Final

from integrations.providers.opsgenie.sandbox.alert_data import alert_monitors, generate_alerts
from integrations.providers.opsgenie.sandbox.alert_passing import AlertTraffic
from integrations.providers.opsgenie.sandbox.alerts import AlertStore
from integrations.providers.opsgenie.sandbox.app import KeyAccess, OpsGenieSandbox
from integrations.providers.opsgenie.sandbox.data import generate_dataset
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.contract import MountContext, Mounted

SLUG: Final = "opsgenie"
REGIONS: Final = ("us", "eu")
JSM_PREFIX: Final = "/jsm/ops/integration"

KEYS: Final = (
    "opsgenie_us",
    "opsgenie_eu",
    "opsgenie_no_incident_access",  # 403 code 40301 on incidents
    "opsgenie_no_incident_api_plan",  # 402 on incidents: a plan without the Incident API
    "opsgenie_incidents_only",  # no Configuration access: 403 on users, teams and services
    # Keys of an "API" integration (create and update, no read): alerts only, 403 on reads.
    "opsgenie_us_integration",
    "opsgenie_eu_integration",
    # The key of a JSM API integration (with read access: its alerts can be listed back).
    "opsgenie_jsm_integration",
)
KEY_FLAGS: Final = (
    ("--key-us", "opsgenie_us", "OpsGenie US key (default: derived from the seed)"),
    ("--key-eu", "opsgenie_eu", "OpsGenie EU key"),
    ("--key-no-access", "opsgenie_no_incident_access", "US key without incident access (403)"),
    ("--key-no-plan", "opsgenie_no_incident_api_plan", "US key on a plan without the Incident API"),
    (
        "--key-incidents-only",
        "opsgenie_incidents_only",
        "US key without Configuration access (403 on users, teams, services)",
    ),
)
OPTION_FLAGS: Final = (
    ("--incidents", "incidents", "OpsGenie incidents per region (200)"),
    ("--alerts", "alerts", "OpsGenie alerts per region, over the last 30 days (300)"),
)
INCIDENT_OPTION: Final = "incidents"


def make_key(name: str, derive: Callable[[str], uuid.UUID]) -> str:
    # The shape of an OpsGenie API key: a UUID.
    return str(derive(name))


def mount(context: MountContext, *, incidents: int = 200, alerts: int = 300) -> Mounted:
    datasets = context.datasets(generate_dataset, incidents=incidents, regions=REGIONS)
    stores = {region: OpsGenieStore(dataset) for region, dataset in datasets.items()}
    alert_stores = {name: AlertStore(clock=context.clock) for name in (*REGIONS, "jsm")}
    for region, store in stores.items():
        alert_stores[region].seed(
            generate_alerts(
                seed=context.seed,
                region=region,
                now_ms=store.now_ms,
                count=alerts,
                teams=store.dataset.teams,
                users=store.dataset.users,
            )
        )
        # New alerts come through the same monitors as the ones drawn above.
        monitors = alert_monitors(seed=context.seed, region=region, now_ms=store.now_ms)
        store.alert_traffic = AlertTraffic(alert_stores[region], monitors)
    apps = {
        _prefix(region): OpsGenieSandbox(
            store=store,
            keys=_keys(context.keys, region),
            faults=context.faults,
            alerts=alert_stores[region],
        )
        for region, store in stores.items()
    }
    apps[JSM_PREFIX] = OpsGenieSandbox(
        store=None,
        keys={
            context.keys["opsgenie_jsm_integration"]: KeyAccess.INTEGRATION_WITH_READ,
            # The US account moved to JSM (the JSM site continues its history): its API
            # integration moved with its key, which JSM's endpoint now takes too.
            context.keys["opsgenie_us_integration"]: KeyAccess.INTEGRATION,
        },
        faults=context.faults,
        alerts=alert_stores["jsm"],
    )
    url = context.url_of({region: _prefix(region) for region in REGIONS}, "OpsGenie region")
    return Mounted(
        slug=SLUG,
        apps=apps,
        stores=stores,
        lines=lambda base_url: _lines(base_url, context.keys),
        env=lambda base_url: {
            **{f"OPSGENIE_{r.upper()}_URL": base_url + _prefix(r) for r in REGIONS},
            "OPSGENIE_JSM_URL": base_url + JSM_PREFIX,
        },
        people=lambda: [
            (user["fullName"], user["username"], user["role"]["name"])
            for user in stores[REGIONS[0]].dataset.users
        ],
        attributes={
            "opsgenie_stores": stores,
            "opsgenie_url": url,
            # "us", "eu" and "jsm": the alerts each account received.
            "opsgenie_alerts": alert_stores,
            "opsgenie_jsm_url": lambda: context.base_url() + JSM_PREFIX,
        },
    )


def _prefix(region: str) -> str:
    return f"/{SLUG}/{region}"


def _keys(keys: Mapping[str, str], region: str) -> dict[str, KeyAccess]:
    if region == "eu":
        return {
            keys["opsgenie_eu"]: KeyAccess.FULL,
            keys["opsgenie_eu_integration"]: KeyAccess.INTEGRATION,
        }
    return {
        keys["opsgenie_us_integration"]: KeyAccess.INTEGRATION,
        keys["opsgenie_us"]: KeyAccess.FULL,
        keys["opsgenie_no_incident_access"]: KeyAccess.NO_INCIDENT_ACCESS,
        keys["opsgenie_no_incident_api_plan"]: KeyAccess.NO_INCIDENT_PLAN,
        keys["opsgenie_incidents_only"]: KeyAccess.NO_CONFIGURATION_ACCESS,
    }


def _lines(base_url: str, keys: Mapping[str, str]) -> list[str]:
    return [
        f"OpsGenie US  {base_url}{_prefix('us')}",
        f"  key                         {keys['opsgenie_us']}",
        f"  key without incident access {keys['opsgenie_no_incident_access']}  (403)",
        f"  key without Incident API    {keys['opsgenie_no_incident_api_plan']}  (402)",
        f"  key for incidents only      {keys['opsgenie_incidents_only']}"
        "  (no Configuration access: 403 on users, teams, services)",
        f"  API integration key         {keys['opsgenie_us_integration']}"
        "  (alerts: create, close, acknowledge; 403 on reads)",
        f"OpsGenie EU  {base_url}{_prefix('eu')}",
        f"  key                         {keys['opsgenie_eu']}",
        f"  API integration key         {keys['opsgenie_eu_integration']}",
        f"JSM alerts   {base_url}{JSM_PREFIX}  (api.atlassian.com/jsm/ops/integration)",
        f"  API integration key         {keys['opsgenie_jsm_integration']}",
    ]
