"""What `POST /v2/alerts` (and close/acknowledge) accept, with OpsGenie's 422 `errors` map.

Limits marked confirmed come from docs.opsgenie.com "Alerts and alert fields" (reference
§4.2); the others are named here with a `Guess:` so they are easy to correct. The error texts
are guesses except the priority one (observed upstream), in OpsGenie's `field: message` shape.
"""

from __future__ import annotations

from typing import Any, Final

MESSAGE_MAX: Final = 130  # confirmed
ALIAS_MAX: Final = 512  # confirmed
DESCRIPTION_MAX: Final = 15_000  # confirmed
TAGS_MAX: Final = 20  # confirmed
TAG_MAX: Final = 50  # confirmed
ENTITY_MAX: Final = 512  # Guess: only a third-party schema states it.
SOURCE_MAX: Final = 100  # Guess: recalled, unconfirmed.
USER_MAX: Final = 100  # Guess: recalled, unconfirmed.
NOTE_MAX: Final = 25_000  # Guess: recalled, unconfirmed.
ACTIONS_MAX: Final = 10  # Guess: only a third-party schema states it.
ACTION_MAX: Final = 50  # Guess: as a tag.
DETAILS_MAX: Final = 8_000  # Guess: recalled as the details' total characters, unconfirmed.
PRIORITIES: Final = ("P1", "P2", "P3", "P4", "P5")
RESPONDER_TYPES: Final = ("team", "user", "escalation", "schedule")
VISIBLE_TO_TYPES: Final = ("team", "user")

# Observed upstream (prometheus/alertmanager#2088).
PRIORITY_ERROR: Final = "should be one of [ P1, P2, P3, P4, P5 ]"
# Guess: the wording of every other 422 below is unconfirmed.
REQUIRED: Final = "Message can not be empty."
TOO_LONG: Final = "should not be longer than {limit} characters"
TOO_MANY: Final = "should not contain more than {limit} items"
NOT_TEXT: Final = "should be a string"
NOT_LIST: Final = "should be a list"
NOT_DETAILS: Final = "should be a map of string keys to string values"
BAD_TYPE: Final = "Invalid recipient type '{value}'"
NO_IDENTITY: Final = "{kinds} should be provided"


def create_errors(body: Any) -> dict[str, str]:
    """Empty when `body` is a valid create-alert payload."""
    if not isinstance(body, dict):
        return {"message": REQUIRED}
    errors: dict[str, str] = {}
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        errors["message"] = REQUIRED
    _text(errors, body, "message", MESSAGE_MAX)
    for name, limit in (
        ("alias", ALIAS_MAX),
        ("description", DESCRIPTION_MAX),
        ("entity", ENTITY_MAX),
        ("source", SOURCE_MAX),
        ("user", USER_MAX),
        ("note", NOTE_MAX),
    ):
        _text(errors, body, name, limit)
    _strings(errors, body, "tags", TAGS_MAX, TAG_MAX)
    _strings(errors, body, "actions", ACTIONS_MAX, ACTION_MAX)
    _details(errors, body.get("details"))
    priority = body.get("priority")
    if priority is not None and priority not in PRIORITIES:
        errors["priority"] = PRIORITY_ERROR
    _recipients(errors, body, "responders", RESPONDER_TYPES)
    _recipients(errors, body, "visibleTo", VISIBLE_TO_TYPES)
    return errors


def action_errors(body: Any) -> dict[str, str]:
    """Close and acknowledge take an optional `user`, `source` and `note`."""
    if not isinstance(body, dict):
        return {"body": NOT_DETAILS}
    errors: dict[str, str] = {}
    for name, limit in (("user", USER_MAX), ("source", SOURCE_MAX), ("note", NOTE_MAX)):
        _text(errors, body, name, limit)
    return errors


def _text(errors: dict[str, str], body: dict[str, Any], name: str, limit: int) -> None:
    value = body.get(name)
    if value is None or name in errors:
        return
    if not isinstance(value, str):
        errors[name] = NOT_TEXT
    elif len(value) > limit:
        errors[name] = TOO_LONG.format(limit=limit)


def _strings(errors: dict[str, str], body: dict[str, Any], name: str, most: int, each: int) -> None:
    values = body.get(name)
    if values is None:
        return
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        errors[name] = NOT_LIST
    elif len(values) > most:
        errors[name] = TOO_MANY.format(limit=most)
    elif any(len(value) > each for value in values):
        errors[name] = TOO_LONG.format(limit=each)


def _details(errors: dict[str, str], details: Any) -> None:
    if details is None:
        return
    if not isinstance(details, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in details.items()
    ):
        errors["details"] = NOT_DETAILS
    elif sum(len(k) + len(v) for k, v in details.items()) > DETAILS_MAX:
        errors["details"] = TOO_LONG.format(limit=DETAILS_MAX)


def _recipients(
    errors: dict[str, str], body: dict[str, Any], name: str, types: tuple[str, ...]
) -> None:
    recipients = body.get(name)
    if recipients is None:
        return
    if not isinstance(recipients, list) or not all(isinstance(r, dict) for r in recipients):
        errors[name] = NOT_LIST
        return
    for recipient in recipients:
        kind = recipient.get("type")
        if kind not in types:
            errors[f"{name}#type"] = BAD_TYPE.format(value=kind)
            return
        # A user is named by id or username; a team, escalation or schedule by id or name.
        names = ("id", "username") if kind == "user" else ("id", "name")
        if not any(isinstance(recipient.get(n), str) and recipient.get(n) for n in names):
            errors[name] = NO_IDENTITY.format(kinds=" or ".join(names))
            return
