"""The check "Integration credentials are not owned by an offboarded person" (issue 16).

A Jira Service Management API token acts as the person it belongs to and dies with them:
Atlassian has no organisation-level key. A provider says whose account its stored credentials
act as (``Provider.credential_owner``, the account's email); this check finds that email in the
staff directory (case-insensitive, other emails included). An offboarded owner fails the
connection; an email that matches nobody cannot be judged, and is listed as such, never passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from access.models import StaffMember, StaffStatus
from access.staff_selectors import emails_in_use
from integrations.models import Connection, ConnectionStatus
from integrations.providers.base import Provider
from integrations.providers.registry import providers
from lib.checks import Check, FailingRow, engine, register

TOPIC = "credentials"
KEY = "integration-credentials-owner"
CANNOT = "Cannot judge: "


def _owned() -> Iterator[tuple[Connection, Provider, str]]:
    """Each active connection whose credentials are a person's, with that person's email
    (decrypted here to read the email only; the token is never looked at)."""
    known = {slug: p for slug, p in providers().items() if p.credential_owner is not None}
    connections = Connection.objects.filter(provider__in=list(known)).exclude(
        status=ConnectionStatus.DISCONNECTED
    )
    for connection in connections.order_by("pk"):
        provider = known[connection.provider]
        owner = provider.credential_owner
        email = owner(connection.get_credentials()).strip() if owner else ""
        yield connection, provider, email


def _row(connection: Connection, provider: Provider, email: str, reason: str) -> FailingRow:
    label = f"{provider.name} API token of {email}" if email else f"{provider.name} API token"
    url = reverse(provider.url_name)
    return FailingRow(f"connection:{connection.pk}", label, url, reason, provider.name)


def failing_credentials(now: datetime) -> Iterator[FailingRow]:
    today = timezone.localdate(now)
    owners = emails_in_use()
    owned = list(_owned())
    people = {
        person.pk: person
        for person in StaffMember.objects.filter(
            pk__in=[owners[e.lower()].person_id for _, _, e in owned if e.lower() in owners]
        )
    }
    for connection, provider, email in owned:
        if not email:
            yield _row(connection, provider, email, f"{CANNOT}the connection names no account")
            continue
        owner = owners.get(email.lower())
        if owner is None:
            yield _row(
                connection,
                provider,
                email,
                f"{CANNOT}no one in the staff directory has the email {email}: add the person, "
                "or the email to a person's other emails",
            )
            continue
        person = people[owner.person_id]
        if person.status != StaffStatus.OFFBOARDED:
            continue
        since = person.last_working_day or person.offboarded_on
        when = f"last working day {date_format(since, 'j M Y')}" if since else "no date recorded"
        ago = (today - since).days if since else None
        if ago is not None:
            when += ", today" if ago == 0 else f", {ago} d ago" if ago > 0 else f", in {-ago} d"
        yield _row(
            connection,
            provider,
            email,
            f"{person.name} is offboarded ({when}); the token acts as their account and stops "
            "working when it is deactivated: edit the connection with an active person's token",
        )


def _applicable() -> bool:
    return any(True for _ in _owned())


def _checked() -> int:
    return sum(1 for _ in _owned())


def register_credential_check() -> None:
    register(
        Check(
            key=KEY,
            title="Integration credentials are not owned by an offboarded person",
            description="An API token of Jira Service Management acts as the Atlassian account "
            "it belongs to, and dies with it (there is no organisation-level key). Fails for a "
            "connection whose account email belongs to a person the staff directory says is "
            "offboarded (emails matched without case, other emails included); an email that "
            "matches nobody in the directory is listed as cannot judge.",
            how_to_fix="Edit the connection with the API token of an active person's account "
            "(with the Operations role it needs); for cannot judge, add the account's email to "
            "the staff directory, as a person's email or one of their other emails.",
            topic=TOPIC,
            applicable=_applicable,
            checked_count=_checked,
            failing=failing_credentials,
        )
    )


def evaluate_credentials(**kwargs: object) -> None:
    """A connection saved (connected, edited), or the directory changed: judged again once the
    change is saved."""
    transaction.on_commit(
        lambda: engine().evaluate(topic=TOPIC, reason="credentials or the directory changed")
    )
