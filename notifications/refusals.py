"""Answers that retrying cannot cure (400, 401, 403, 422): the delivery stops, and the channel
says what went wrong and what to do about it (PRODUCT 7)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from notifications.models import ChannelKind, Endpoint
from notifications.transport import Answer

STOP_STATUSES = frozenset({400, 401, 403, 422})
ERROR_MAX = 1_000
ACTION_MAX = 500
REGION_NAMES = {Endpoint.US: "US", Endpoint.EU: "EU"}

WRONG_KEY = (
    "OpsGenie refused the key (401): it is wrong, its integration was disabled or deleted, or it "
    "belongs to the other region. Enter the key of the team's API integration again and check "
    "the endpoint."
)
OTHER_REGION = (
    "The key belongs to OpsGenie's {region} region (the other region knows it): change the "
    "channel's endpoint to {region}."
)
ACCOUNT_KEY = (
    "Use the key of an API integration of a team (Teams › Integrations › Add integration › API), "
    "not an account key from API key management: OpsGenie lets only integration keys create "
    "and close alerts."
)
REFUSED = "{upstream} refused the {thing}: {message}"


@dataclass(frozen=True)
class Refusal:
    """What the channel shows: the error as upstream gave it, and the action to take."""

    error: str
    action: str


def refusal_for(kind: str, answer: Answer, *, other_region: str | None = None) -> Refusal | None:
    """None when ``answer`` is not a refusal that stops retrying."""
    if answer.status not in STOP_STATUSES:
        return None
    upstream = "PagerDuty" if kind == ChannelKind.PAGERDUTY else "OpsGenie"
    message = upstream_message(answer)
    error = f"HTTP {answer.status}: {message}"[:ERROR_MAX]
    if answer.status == 401 and kind == ChannelKind.OPSGENIE:
        if other_region in REGION_NAMES:
            action = OTHER_REGION.format(region=REGION_NAMES[Endpoint(other_region)])
        else:
            action = WRONG_KEY
    elif answer.status == 403 and kind == ChannelKind.OPSGENIE:
        action = ACCOUNT_KEY
    else:
        thing = "event" if kind == ChannelKind.PAGERDUTY else "alert"
        action = REFUSED.format(upstream=upstream, thing=thing, message=message)
    return Refusal(error=error, action=action[:ACTION_MAX])


def local_refusal(problem: str) -> Refusal:
    """A channel that cannot send at all (no key, an endpoint its kind does not have)."""
    return Refusal(error=problem[:ERROR_MAX], action=problem[:ACTION_MAX])


def upstream_message(answer: Answer) -> str:
    """Upstream's own words: OpsGenie's ``message`` and its ``errors`` map (422), PagerDuty's
    ``message`` and ``errors`` list (400); else the answer's text as it came."""
    try:
        body = json.loads(answer.text)
    except ValueError:
        return answer.text or "no explanation given"
    if not isinstance(body, dict):
        return answer.text
    parts = [str(body["message"])] if body.get("message") else []
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts += [f"{name}: {text}" for name, text in errors.items()]
    elif isinstance(errors, list):
        parts += [str(text) for text in errors]
    return " — ".join(parts) if parts else answer.text
