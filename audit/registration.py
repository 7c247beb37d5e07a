"""What the audit log records: every audited model, the fields whose changes it records (an
allow-list, so a field added later is never logged before someone decides it may be), the fields
it leaves out on purpose, and the secrets it notes only as "replaced".

django-auditlog records the changes (AuditlogMiddleware names the signed-in user; outside a
request, in the worker or a command, there is no actor and the page says "System").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.db.models import Model
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import (
    AccountMapping,
    AllowedRole,
    CriticalSystem,
    OrgRole,
    ReviewPolicy,
    StaffMember,
)
from accounts.models import MfaPolicy, SignInLockout
from audit.models import EvidenceDownload
from checks.models import SpecialCase, SpecialCasePolicy
from incidents.models import IncidentMatch, IncidentPolicy
from integrations.models import Connection
from notifications.models import Channel

# What a secret field's values become before they are stored: the log says that the secret was
# set or replaced, never the secret, its ciphertext, or a part of either.
SECRET = "(secret)"  # noqa: S105 - the placeholder stored instead of a secret


def hide_secret(value: str) -> str:
    """django-auditlog's mask for secret fields (AUDITED[...].secrets)."""
    return "" if value in ("", "None") else SECRET


@dataclass(frozen=True)
class Audited:
    model: type[Model]
    # field name → label on the audit page, for every field whose changes are recorded.
    fields: Mapping[str, str]
    # Fields left out on purpose, with why: a test holds every field to one of the two lists.
    ignored: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    # Many-to-many fields whose additions and removals are recorded.
    m2m: Mapping[str, str] = field(default_factory=dict)
    # What creating one is called on the page ("Connected", "Downloaded").
    created: str = "Created"
    # Stored value → what the page shows, for fields without choices of their own.
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.fields.get(name) or self.m2m.get(name) or name.replace("_", " ").capitalize()


SYNC_NOISE = "written by every sync, not a configuration change"
SAVES = "counts saves, so that two edits at once cannot overwrite each other"
POLICY_ROW = {"id": "the row's number", "version": SAVES}

CONNECTION = Audited(
    Connection,
    fields={
        "provider": "Provider",
        "status": "Status",
        "region": "Region",
        "auth_method": "Sign-in method",
        "account_name": "Account",
        "account_id": "Account id",
        "credentials": "Key or authorization",
        "credential_hint": "Key ends with",
        "connected_by": "Connected by",
        "connected_at": "Connected at",
        "disconnected_by": "Disconnected by",
        "disconnected_at": "Disconnected at",
        "sync_interval_minutes": "Sync frequency (minutes)",
        "service_ids": "Chosen services (none: all)",
        "services_confirmed_at": "Services confirmed at",
        "report_email": "Incident report address",
        "streams_off": "Streams switched off",
        "moved_to": "Moved to",
        "moved_on": "Stops syncing on (move)",
        "stopped_answering_at": "Stopped answering after the move at",
        "counted_again": "Incidents counted here again (its successor disconnected)",
    },
    ignored={
        "id": "the row's number",
        "updated_at": "changes with every save",
        "last_error": SYNC_NOISE,
        "last_error_action": SYNC_NOISE,
        "last_error_at": SYNC_NOISE,
        "token_refresh_until": "a worker's lease while it renews OAuth tokens",
        "streams_off_since": "who switched a stream off and when: the entry itself says so",
    },
    secrets=("credentials",),
    created="Connected",
    values={"auth_method": {"api_key": "API key", "oauth": "OAuth"}},
)

POLICY = Audited(
    IncidentPolicy,
    fields={
        "high_sla_hours": "High priority SLA (hours)",
        "medium_sla_hours": "Medium priority SLA (hours)",
        "low_sla_hours": "Low priority SLA (hours)",
        "close_check_uses_sla": "“Reported incident should be closed” uses the SLA",
        "assess_resolved_high": "“Data loss information” checks resolved High incidents",
    },
    ignored=POLICY_ROW,
)

SPECIAL_CASE = Audited(
    SpecialCase,
    fields={
        "check_state": "Check",
        "label": "Item",
        "reason": "Reason",
        "attachment": "Attachment",
        "expires_at": "Expires at",
        "created_by": "Created by",
        "created_at": "Created at",
        "ended_at": "Ended at",
        "ended_by": "Ended by",
        "end_reason": "Why it ended",
    },
    ignored={
        "id": "the row's number",
        "item_key": "the item's internal key; Item names it",
        "expiry_recorded_at": "written by the evaluation; the check's history records the expiry",
    },
)

SPECIAL_CASE_POLICY = Audited(
    SpecialCasePolicy,
    fields={"max_months": "Longest a special case may last (months)"},
    ignored=POLICY_ROW,
)

CRITICAL_SYSTEM = Audited(
    CriticalSystem,
    fields={
        "connection": "Integration",
        "access_type": "Valid access type",
        "owner": "Owner",
        "added_by": "Added by",
        "added_at": "Added at",
    },
    ignored={"id": "the row's number"},
    created="Added as a critical system",
)

ALLOWED_ROLE = Audited(
    AllowedRole,
    fields={
        "system": "Critical system",
        "org_role": "Org role that may have access",
        "upstream_roles": "Upstream roles it may hold",
    },
    ignored={"id": "the row's number"},
)

ACCOUNT_MAPPING = Audited(
    AccountMapping,
    fields={
        "account": "Account",
        "kind": "Belongs to",
        "source": "Decided",
        "staff": "Staff member",
        "owner": "Owner",
        "external_until": "External until",
        "reason": "Reason",
    },
    ignored={"id": "the row's number"},
)

STAFF_MEMBER = Audited(
    StaffMember,
    fields={
        "name": "Name",
        "email": "Email",
        "alias_emails": "Other emails",
        "org_role": "Org role",
        "status": "Status",
        "last_working_day": "Last working day",
        "offboarded_on": "Offboarded on",
        "manager": "Manager",
    },
    ignored={
        "id": "the row's number",
        "created_at": "the creation's own time",
        "search_text": "folded from the name and emails for search",
        "version": SAVES,
    },
)

ORG_ROLE = Audited(OrgRole, fields={"name": "Name"}, ignored={"id": "the row's number"})

REVIEW_POLICY = Audited(
    ReviewPolicy,
    fields={"removal_days": "Days to remove access revoked in a review"},
    ignored=POLICY_ROW,
)

DOWNLOAD = Audited(
    EvidenceDownload,
    fields={
        "period_start": "Period start",
        "period_end": "Period end (included)",
        "downloaded_by": "Downloaded by",
        "downloaded_at": "Downloaded at",
    },
    ignored={"id": "the row's number"},
    created="Downloaded",
)


LOCKOUT = Audited(
    SignInLockout,
    fields={
        "username": "Username",
        "ip_address": "Address",
        "locked_at": "Locked at",
        "locked_until": "Locked until",
        "unlocked_at": "Unlocked at",
    },
    ignored={"id": "the row's number"},
    created="Locked out",
)

MFA_POLICY = Audited(
    MfaPolicy,
    fields={"mode": "Two-factor authentication", "roles": "Required for roles"},
    ignored=POLICY_ROW,
)

# Two-factor devices: set up, confirmed (turned on) and removed (turned off, or an admin's reset),
# and by whom. Their use at each sign-in is not a change of configuration.
DEVICE_USE = "written by every code entered"
_DEVICE_IGNORED = {
    "id": "the row's number",
    "throttling_failure_timestamp": DEVICE_USE,
    "throttling_failure_count": DEVICE_USE,
    "last_used_at": DEVICE_USE,
    "created_at": "the creation's own time (reset when confirmed: “on since”)",
}
AUTHENTICATOR = Audited(
    TOTPDevice,
    fields={"user": "User", "name": "Name", "confirmed": "On (code confirmed)"},
    ignored={
        **_DEVICE_IGNORED,
        "key": "the secret shared with the authenticator app: never recorded",
        "step": "fixed (30 s)",
        "t0": "fixed (0)",
        "digits": "fixed (6)",
        "tolerance": "fixed (one step either side)",
        "drift": DEVICE_USE,
        "last_t": DEVICE_USE,
    },
    created="Two-factor set-up started",
)
RECOVERY_CODES = Audited(
    StaticDevice,
    fields={"user": "User", "name": "Name", "confirmed": "Active"},
    ignored=_DEVICE_IGNORED,
    created="Recovery codes made",
)


def _user() -> Audited:
    return Audited(
        get_user_model(),
        fields={
            "username": "Username",
            "email": "Email",
            "first_name": "First name",
            "last_name": "Last name",
            "is_active": "Active",
            "is_staff": "Staff status (admin site)",
            "is_superuser": "Superuser",
            "password": "Password",
        },
        ignored={
            "id": "the row's number",
            "last_login": "every sign-in, not a change",
            "date_joined": "the creation's own time",
        },
        secrets=("password",),
        # Roles are groups (accounts/roles.py).
        m2m={"groups": "Roles"},
    )


AUDITED: dict[type[Model], Audited] = {}
# An admin's match of an incident moved between sources (incidents/moves.py).
INCIDENT_MATCH = Audited(
    IncidentMatch,
    fields={
        "moved": "Moved incident",
        "successor": "Same incident as",
        "matched_by": "Matched by",
        "matched_at": "Matched at",
    },
    ignored={"id": "the row's number"},
    created="Matched (moved incident)",
)

CHANNEL = Audited(
    Channel,
    fields={
        "name": "Name",
        "kind": "Type",
        "endpoint": "Sends to",
        "secret": "Key",
        "secret_hint": "Key ends with",
        "event_types": "Events",
        "check_keys": "Checks",
        "min_incident_priority": "New incidents at or above",
        "priority_overrides": "Priorities changed",
        "enabled": "Enabled",
        "disabled_by": "Disabled by",
        "disabled_automatically": "Disabled itself",
        "disabled_reason": "Why disabled",
    },
    ignored={
        "id": "the row's number",
        "version": SAVES,
        "disabled_at": "the entry's own time says when",
        "last_error": "written by deliveries, shown on the channel's page and its log",
        "last_error_action": "written by deliveries, with the last error",
        "last_error_at": "written by deliveries, with the last error",
        "created_at": "the creation entry's own time",
        "created_by": "the creation entry names who",
        "updated_at": "changes with every save",
        "health_since": "written on enabling: failures before it no longer count",
    },
    secrets=("secret",),
    created="Added",
)


def register_audited_models() -> None:
    for audited in (
        CONNECTION,
        POLICY,
        SPECIAL_CASE,
        SPECIAL_CASE_POLICY,
        CRITICAL_SYSTEM,
        ALLOWED_ROLE,
        ACCOUNT_MAPPING,
        STAFF_MEMBER,
        ORG_ROLE,
        REVIEW_POLICY,
        DOWNLOAD,
        LOCKOUT,
        MFA_POLICY,
        AUTHENTICATOR,
        RECOVERY_CODES,
        CHANNEL,
        INCIDENT_MATCH,
        _user(),
    ):
        _register(audited)


def _register(audited: Audited) -> None:
    AUDITED[audited.model] = audited
    if auditlog.contains(audited.model):
        return
    auditlog.register(
        audited.model,
        include_fields=list(audited.fields),
        mask_fields=list(audited.secrets),
        mask_callable="audit.registration.hide_secret",
        mapping_fields=dict(audited.fields),
        m2m_fields=set(audited.m2m),
    )


def audited_models() -> Iterable[Audited]:
    return AUDITED.values()
