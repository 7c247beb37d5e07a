"""A key refused in one region but accepted in the other, held for the wizard's one-click
"Connect to <region> instead".

The key is never rendered back into the page (the admin would have to type it again), so it
waits on the server: in the admin's session (stored in the database, never in a cookie),
encrypted with the same Fernet key as the stored credentials. Fernet stamps the time it
encrypted, so the 10-minute limit is checked by the decryption itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import InvalidToken
from encrypted_model_fields.fields import get_crypter

from integrations.models import ErrorAction
from integrations.validation import ValidationFailure

HOLD_SECONDS = 10 * 60
SESSION_KEY = "held_keys"

EXPIRED = ValidationFailure(
    "For safety the key is kept for 10 minutes only, and that time has passed: enter the key "
    "again. Nothing was saved.",
    ErrorAction.REENTER_KEY,
    "api_key",
)


@dataclass(frozen=True)
class HeldKey:
    api_key: str
    region: str


def _now() -> int:
    return int(time.time())


def hold_key(
    session: MutableMapping[str, Any], *, provider: str, api_key: str, region: str
) -> None:
    """Keep ``api_key`` for ``provider``, to connect it in ``region`` within HOLD_SECONDS."""
    payload = json.dumps({"provider": provider, "api_key": api_key, "region": region})
    token = get_crypter().encrypt_at_time(payload.encode(), _now()).decode()
    held = dict(session.get(SESSION_KEY) or {})
    held[provider] = token
    session[SESSION_KEY] = held


def after_attempt(
    session: MutableMapping[str, Any],
    *,
    provider: str,
    api_key: str,
    failure: ValidationFailure | None,
) -> None:
    """After a connect attempt with ``api_key``: hold it when ``failure`` names the region that
    accepts it; otherwise (connected, or refused for another reason) forget any key held."""
    if failure is not None and failure.other_region:
        hold_key(session, provider=provider, api_key=api_key, region=failure.other_region)
    else:
        drop_held_key(session, provider=provider)


def drop_held_key(session: MutableMapping[str, Any], *, provider: str) -> None:
    held = dict(session.get(SESSION_KEY) or {})
    if held.pop(provider, None) is not None:
        session[SESSION_KEY] = held


def take_held_key(session: MutableMapping[str, Any], *, provider: str) -> HeldKey | None:
    """The key held for ``provider``, removed from the session (it is used once); None when
    there is none or it was held longer than HOLD_SECONDS."""
    held = dict(session.get(SESSION_KEY) or {})
    token = held.pop(provider, None)
    session[SESSION_KEY] = held
    if not isinstance(token, str):
        return None
    try:
        payload = get_crypter().decrypt_at_time(token.encode(), HOLD_SECONDS, _now())
        values = json.loads(payload)
    except (InvalidToken, ValueError):
        return None
    if values.get("provider") != provider:
        return None
    return HeldKey(api_key=str(values["api_key"]), region=str(values["region"]))
