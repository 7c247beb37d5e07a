"""What the sandbox server serves for PagerDuty: the REST API v2 of one account per region at
/pagerduty/<region> (standing in for https://api.pagerduty.com and https://api.eu.pagerduty.com),
the OAuth 2.0 identity server of both at /pagerduty/identity (identity.pagerduty.com), and
`/_sandbox/oauth` to change its lifetimes (the contract: `integrations.sandbox.contract`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Final

from integrations.providers.pagerduty.sandbox import events_mount
from integrations.providers.pagerduty.sandbox.app import Credential, KeyAccess, PagerDutySandbox
from integrations.providers.pagerduty.sandbox.data import SUBDOMAIN, generate_dataset
from integrations.providers.pagerduty.sandbox.identity import (
    OAuthAccount,
    OAuthClient,
    PagerDutyIdentitySandbox,
)
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore
from integrations.sandbox.contract import Control, MountContext, Mounted, settings_control
from integrations.sandbox.wsgi import WSGIApp

SLUG: Final = "pagerduty"
REGIONS: Final = ("us", "eu")
IDENTITY_PREFIX: Final = f"/{SLUG}/identity"

KEYS: Final = (
    # Account REST API keys (`Authorization: Token token=...`).
    "pagerduty_us",
    "pagerduty_eu",
    "pagerduty_no_incident_ability",  # US account without the incident ability: 402
    # OAuth access tokens (`Authorization: Bearer ...`), acting as a user.
    "pagerduty_us_oauth",
    "pagerduty_eu_oauth",
    "pagerduty_no_incident_scope_oauth",  # US token without incidents.read: 403
    "pagerduty_no_users_scope_oauth",  # US token without users.read: 403 on users
    # The OAuth app registered with the identity server.
    "pagerduty_client_id",
    "pagerduty_client_secret",
    *events_mount.KEYS,  # Events API v2 routing keys
)
KEY_FLAGS: Final = (
    ("--pd-key-us", "pagerduty_us", "PagerDuty US REST API key"),
    ("--pd-key-eu", "pagerduty_eu", "PagerDuty EU REST API key"),
    ("--pd-token-us", "pagerduty_us_oauth", "PagerDuty US OAuth access token"),
    ("--pd-token-eu", "pagerduty_eu_oauth", "PagerDuty EU OAuth access token"),
)
OPTION_FLAGS: Final = (
    ("--pd-incidents", "pagerduty_incidents", "PagerDuty incidents per region (300)"),
)
INCIDENT_OPTION: Final = "pagerduty_incidents"

# The consent page's choice of account; the subdomain is the one the REST data's html_url links
# name, so the redirect, the ID token and GET /users/me agree about the account.
ACCOUNT_LABEL: Final = "EvidenceHub sandbox ({region}) — subdomain {subdomain}"
# Scopes of the Scoped-OAuth token that may read everything but incidents (403 on incidents).
NO_INCIDENT_SCOPES: Final = frozenset({"services.read", "users.read", "teams.read"})
# ...and of the one that may read incidents and services but not users (403 on /users).
NO_USERS_SCOPES: Final = frozenset({"incidents.read", "services.read"})


def make_key(name: str, derive: Callable[[str], uuid.UUID]) -> str:
    derived = derive(name)
    if (events_key := events_mount.make_key(name, derived)) is not None:
        return events_key
    if name.endswith("_oauth"):
        # The shape of PagerDuty's OAuth access tokens (reference §1.2).
        return f"pdus+_0XBPWQQ_{derived}"
    # Guess: the shapes of an OAuth app's client ID and secret are undocumented.
    if name.endswith("_client_id"):
        return str(derived)
    if name.endswith("_client_secret"):
        return derived.hex + derive(f"{name}:2").hex
    # 20 characters, like the account API key in PagerDuty's docs.
    return derived.hex[:20]


def mount(
    context: MountContext,
    *,
    pagerduty_incidents: int = 300,
    pagerduty_redirect_uris: tuple[str, ...] | None = None,
) -> Mounted:
    """`pagerduty_redirect_uris=None` lets the OAuth app redirect to any http(s) URI."""
    datasets = context.datasets(generate_dataset, incidents=pagerduty_incidents, regions=REGIONS)
    stores = {region: PagerDutyStore(dataset) for region, dataset in datasets.items()}
    apps: dict[str, WSGIApp] = {}
    accounts = []
    for region, store in stores.items():
        api_keys, tokens = _credentials(context.keys, region, _admin_id(store))
        app = PagerDutySandbox(
            store=store,
            api_keys=api_keys,
            oauth_tokens=tokens,
            faults=context.faults,
            clock=context.clock,
        )
        apps[_prefix(region)] = app
        accounts.append(_account(context, region, store, app))
    client = OAuthClient(
        context.keys["pagerduty_client_id"],
        context.keys["pagerduty_client_secret"],
        redirect_uris=pagerduty_redirect_uris,
    )
    identity = PagerDutyIdentitySandbox(clients=[client], accounts=accounts, clock=context.clock)
    apps[IDENTITY_PREFIX] = identity
    events = events_mount.mount_events(context, REGIONS)
    apps.update(events.apps)
    url = context.url_of({region: _prefix(region) for region in REGIONS}, "PagerDuty region")
    return Mounted(
        slug=SLUG,
        apps=apps,
        stores=stores,
        people=lambda: [
            (user["name"], user["email"], user["role"]) for user in stores[REGIONS[0]].dataset.users
        ],
        lines=lambda base_url: [
            *_lines(base_url, context.keys),
            *events_mount.lines(base_url, context.keys, REGIONS),
        ],
        env=lambda base_url: {
            **{f"PAGERDUTY_{r.upper()}_URL": base_url + _prefix(r) for r in REGIONS},
            "PAGERDUTY_IDENTITY_URL": base_url + IDENTITY_PREFIX,
            # The sandbox's registered OAuth app, so "Connect with PagerDuty" works as it is.
            "PAGERDUTY_OAUTH_CLIENT_ID": context.keys["pagerduty_client_id"],
            "PAGERDUTY_OAUTH_CLIENT_SECRET": context.keys["pagerduty_client_secret"],
            **events.env(base_url),
        },
        # `/_sandbox/oauth`: read, set or reset the lifetimes of new OAuth codes and tokens.
        controls=(
            Control(
                "/oauth",
                ("GET", "POST", "DELETE"),
                settings_control(
                    read=identity.settings,
                    change=identity.configure,
                    reset=identity.reset,
                    what="OAuth",
                ),
            ),
            events.control,
        ),
        attributes={
            **events.attributes(context),
            "pagerduty_stores": stores,
            "pagerduty_url": url,
            "pagerduty_identity": identity,
            "pagerduty_identity_url": lambda: context.base_url() + IDENTITY_PREFIX,
        },
    )


def _prefix(region: str) -> str:
    return f"/{SLUG}/{region}"


def _admin_id(store: PagerDutyStore) -> str | None:
    users = store.users()
    # OAuth tokens act as the account's first admin (or owner), the user who connected it.
    admin = next((u for u in users if u["role"] == "admin"), users[0] if users else None)
    return admin["id"] if admin else None


def _credentials(
    keys: Mapping[str, str], region: str, user_id: str | None
) -> tuple[dict[str, KeyAccess], dict[str, Credential]]:
    if region == "eu":
        return (
            {keys["pagerduty_eu"]: KeyAccess.FULL},
            {keys["pagerduty_eu_oauth"]: Credential(user_id=user_id)},
        )
    return (
        {
            keys["pagerduty_us"]: KeyAccess.FULL,
            keys["pagerduty_no_incident_ability"]: KeyAccess.NO_INCIDENT_ABILITY,
        },
        {
            keys["pagerduty_us_oauth"]: Credential(user_id=user_id),
            keys["pagerduty_no_incident_scope_oauth"]: Credential(
                user_id=user_id, scopes=NO_INCIDENT_SCOPES
            ),
            keys["pagerduty_no_users_scope_oauth"]: Credential(
                user_id=user_id, scopes=NO_USERS_SCOPES
            ),
        },
    )


def _account(
    context: MountContext, region: str, store: PagerDutyStore, app: PagerDutySandbox
) -> OAuthAccount:
    """The account a tester approves OAuth as; its tokens go to that region's API."""
    account_id = context.derive(f"pagerduty_account:{region}")
    return OAuthAccount(
        key=region,
        region=region,
        label=ACCOUNT_LABEL.format(region=region.upper(), subdomain=SUBDOMAIN),
        subdomain=SUBDOMAIN,
        account_id="P" + account_id.hex[:6].upper(),  # the shape of PagerDuty IDs
        user_id=_admin_id(store),
        api_path=_prefix(region),
        tokens=app.oauth_tokens,
    )


def _lines(base_url: str, keys: Mapping[str, str]) -> list[str]:
    return [
        f"PagerDuty US  {base_url}{_prefix('us')}",
        f"  API key (Token token=...)   {keys['pagerduty_us']}",
        f"  OAuth token (Bearer ...)    {keys['pagerduty_us_oauth']}",
        f"  key without incidents       {keys['pagerduty_no_incident_ability']}  (402)",
        f"  token without incidents     {keys['pagerduty_no_incident_scope_oauth']}  (403)",
        f"  token without users.read    {keys['pagerduty_no_users_scope_oauth']}  (403 on users)",
        f"PagerDuty EU  {base_url}{_prefix('eu')}",
        f"  API key (Token token=...)   {keys['pagerduty_eu']}",
        f"  OAuth token (Bearer ...)    {keys['pagerduty_eu_oauth']}",
        f"PagerDuty OAuth  {base_url}{IDENTITY_PREFIX}  (identity.pagerduty.com)",
        "  Connect with PagerDuty      approve as the US or the EU sandbox account",
        f"  client id                   {keys['pagerduty_client_id']}",
        f"  client secret               {keys['pagerduty_client_secret']}",
        f"  lifetimes                   {base_url}/_sandbox/oauth",
    ]
