"""Every configuration change leaves an audit entry with its actor and before → after, and no
entry ever holds a secret: neither the key nor its ciphertext."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as db
from django.utils import timezone

from access.models import Account, AccountMapping, AllowedRole, CriticalSystem, OrgRole
from access.store import ACCOUNTS
from accounts.roles import Role
from accounts.services import user_create_or_update
from audit.display import describe
from checks.engine import evaluate
from checks.models import SpecialCase
from incidents.checks import CLOSED_KEY
from integrations.connections import connection_record_error
from integrations.models import Connection, ErrorAction
from integrations.records import AccountRecord
from tests.checks.conftest import make
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

OG_US = "https://api.opsgenie.com/v1/incidents"
OG_EU = "https://api.eu.opsgenie.com/v1/incidents"
OK_BODY = {"data": [], "totalCount": 0, "took": 0.01, "requestId": "r"}
KEY = "6c1f0b2a-93d4-4e8b-AUDIT-never-logged-7a41"
NEW_KEY = "0d9e8f7a-1111-4e8b-AUDIT-rotated-key-b5c2"
DETAILS = "/settings/integrations/opsgenie/connect/details/"
EDIT = "/settings/integrations/opsgenie/edit/"


@pytest.fixture(autouse=True)
def no_worker(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("integrations.tasks.async_task", lambda *a, **k: "task")


def rows_for(model: type, **filters: object) -> list:  # type: ignore[type-arg]
    entries = LogEntry.objects.get_for_model(model).filter(**filters).order_by("timestamp", "id")
    return describe(list(entries.select_related("actor", "content_type")))


def changes(row) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {change.label: (change.before, change.after) for change in row.changes}


def ciphertext() -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_connection")
        (raw,) = cursor.fetchone()
    return raw


def assert_no_secret_in_the_log(*secrets: str) -> None:
    dumped = json.dumps(list(LogEntry.objects.values()), default=str, ensure_ascii=False) + "".join(
        row.changes_text + row.object for row in describe(list(LogEntry.objects.all()))
    )
    for secret in secrets:
        assert secret not in dumped
        assert secret[-20:] not in dumped  # not even a tail of it


@responses.activate
def test_connecting_editing_and_disconnecting_are_recorded_without_the_key(
    admin_client, admin_user
) -> None:  # type: ignore[no-untyped-def]
    responses.get(OG_US, json=OK_BODY)
    responses.get(OG_EU, json=OK_BODY)
    admin_client.post(DETAILS, {"api_key": KEY, "region": "us"})
    first_ciphertext = ciphertext()
    admin_client.post(EDIT, {"api_key": NEW_KEY, "region": "eu"})
    second_ciphertext = ciphertext()
    admin_client.post("/settings/integrations/opsgenie/disconnect/")
    admin_client.post(DETAILS, {"api_key": NEW_KEY, "region": "eu"})

    connected, edited, disconnected, reconnected = rows_for(Connection)
    assert (connected.who, connected.action, connected.object) == (
        "alice-admin",
        "Connected",
        "OpsGenie",
    )
    assert changes(connected)["Key or authorization"] == ("—", "replaced (not recorded)")
    assert changes(connected)["Key ends with"] == ("—", "7a41")
    assert changes(connected)["Connected by"] == ("—", "alice-admin")

    assert edited.action == "Key or authorization replaced"
    assert changes(edited)["Region"] == ("us", "eu")
    assert changes(edited)["Key ends with"] == ("7a41", "b5c2")
    assert changes(edited)["Key or authorization"] == ("hidden", "replaced (not recorded)")

    assert (disconnected.who, disconnected.action) == ("alice-admin", "Disconnected")
    assert changes(disconnected)["Status"] == ("Connected", "Disconnected")
    assert changes(disconnected)["Disconnected by"] == ("—", "alice-admin")
    assert changes(disconnected)["Key or authorization"] == ("hidden", "erased")
    assert changes(disconnected)["Key ends with"] == ("b5c2", "—")

    assert reconnected.action == "Reconnected"
    assert changes(reconnected)["Disconnected by"] == ("alice-admin", "—")
    assert changes(reconnected)["Key or authorization"] == ("—", "replaced (not recorded)")
    assert_no_secret_in_the_log(KEY, NEW_KEY, first_ciphertext, second_ciphertext)


def test_the_sync_frequency_change_is_recorded(admin_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("integrations.tasks.sync_schedule_update", lambda *, connection: None)
    connection = make_connection(api_key=KEY)
    admin_client.post("/settings/integrations/opsgenie/sync/frequency/", {"minutes": "180"})
    row = rows_for(Connection)[-1]
    assert (row.who, row.action) == ("alice-admin", "Changed")
    assert changes(row) == {"Sync frequency (minutes)": ("60", "180")}
    connection.refresh_from_db()
    assert_no_secret_in_the_log(KEY, ciphertext())


def test_a_chosen_services_change_is_recorded(admin_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("integrations.tasks.sync_enqueue", lambda **kwargs: "task")
    monkeypatch.setattr(
        "integrations.providers.pagerduty.service_selection.refresh_services",
        lambda c: list(c.services.all()),
    )
    connection = make_connection(provider="pagerduty", api_key=KEY)
    now = timezone.now()
    for upstream_id in ("PSVC001", "PSVC002"):
        connection.services.create(upstream_id=upstream_id, name=upstream_id, synced_at=now)
    admin_client.post(
        "/settings/integrations/pagerduty/services/",
        {"scope": "some", "service_ids": ["PSVC002"], "report_email": "report@example.com"},
    )
    row = rows_for(Connection)[-1]
    assert row.who == "alice-admin" and row.object == "PagerDuty"
    assert changes(row)["Chosen services (none: all)"] == ("—", "PSVC002")
    assert changes(row)["Incident report address"] == ("—", "report@example.com")


@responses.activate
def test_switching_pagerduty_from_oauth_to_a_key_is_recorded(admin_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("integrations.tasks.sync_enqueue", lambda **kwargs: "task")
    monkeypatch.setattr("integrations.tasks.sync_schedule_update", lambda *, connection: None)
    connection = make_connection(provider="pagerduty", api_key="unused")
    connection.set_credentials({"access_token": "pdus+_OAUTH-TOKEN-never-logged"}, hint="")
    connection.auth_method, connection.account_name = "oauth", "acme"
    connection.service_ids = ["PSVC001"]
    connection.save()
    responses.get("https://api.pagerduty.com/incidents", json={"incidents": []})
    responses.get(
        "https://api.pagerduty.com/users",
        json={"users": [{"html_url": "https://acme.pagerduty.com/users/P1"}]},
    )
    admin_client.post(
        "/settings/integrations/pagerduty/connect/key/", {"api_key": KEY, "region": "us"}
    )
    row = rows_for(Connection)[-1]
    assert (row.who, row.action) == ("alice-admin", "Switched sign-in method")
    assert changes(row)["Sign-in method"] == ("OAuth", "API key")
    assert changes(row)["Key or authorization"] == ("hidden", "replaced (not recorded)")
    assert "Chosen services (none: all)" not in changes(row)  # same account: kept
    assert_no_secret_in_the_log(KEY, "pdus+_OAUTH-TOKEN-never-logged", ciphertext())


def test_an_error_found_by_the_worker_shows_as_system_without_its_noise() -> None:
    connection = make_connection(api_key=KEY)
    connection_record_error(
        connection=connection, message="Key revoked upstream", action=ErrorAction.REENTER_KEY
    )
    row = rows_for(Connection)[-1]
    assert (row.who, row.action) == ("System", "Changed")
    assert changes(row) == {"Status": ("Connected", "Error")}


def test_sla_policy_changes_are_recorded(admin_client) -> None:  # type: ignore[no-untyped-def]
    admin_client.post(
        "/settings/incidents/", {"high_sla_hours": 12, "medium_sla_hours": 72, "low_sla_hours": 168}
    )
    from incidents.models import IncidentPolicy

    row = rows_for(IncidentPolicy)[-1]
    assert row.who == "alice-admin" and row.object_type == "Incident policy"
    assert changes(row)["High priority SLA (hours)"] == ("24", "12")


def test_special_cases_created_and_ended_are_recorded(
    admin_client, connection, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    admin_client.post(
        f"/checks/{CLOSED_KEY}/special-cases/",
        {
            "item_keys": f"incident:{incident.pk}",
            "reason": "Vendor outage, tracked in <b>VEND-1</b>",
            "expires_on": expires,
            "attachment": SimpleUploadedFile("proof.pdf", b"%PDF"),
        },
    )
    case = SpecialCase.objects.get()
    admin_client.post(
        f"/checks/{CLOSED_KEY}/special-cases/{case.pk}/end/", {"reason": "Vendor fixed it"}
    )
    created, ended = rows_for(SpecialCase)
    assert (created.who, created.action) == ("alice-admin", "Created")
    assert changes(created)["Reason"] == ("—", "Vendor outage, tracked in <b>VEND-1</b>")
    assert (ended.who, ended.action) == ("alice-admin", "Ended")
    assert changes(ended)["Ended by"] == ("—", "alice-admin")
    assert changes(ended)["Why it ended"] == ("—", "Vendor fixed it")


def test_role_changes_name_who_made_them(admin_user, django_user_model) -> None:  # type: ignore[no-untyped-def]
    user, _ = user_create_or_update(
        username="dave", role=Role.STAFF, password="a long enough passphrase"
    )
    with set_actor(admin_user):
        user.groups.set([Group.objects.get(name=Role.AUDITOR.value)])
    rows = rows_for(django_user_model, object_pk=str(user.pk))
    created = rows[0]
    assert (created.who, created.action) == ("System", "Created")  # the command line
    assert changes(created)["Password"] == ("—", "replaced (not recorded)")
    removed, added = [row for row in rows if row.action == "Roles changed" and row.who != "System"]
    assert removed.who == added.who == "alice-admin"
    assert changes(removed)["Roles"] == ("removed Staff", "—")
    assert changes(added)["Roles"] == ("—", "added Auditor")
    hashed = django_user_model.objects.get(pk=user.pk).password
    assert_no_secret_in_the_log(hashed, "a long enough passphrase")


def test_every_connection_field_is_audited_or_left_out_on_purpose() -> None:
    from audit.registration import AUDITED

    for audited in AUDITED.values():
        names = {f.name for f in audited.model._meta.concrete_fields}
        decided = set(audited.fields) | set(audited.ignored)
        assert names == decided, f"{audited.model.__name__}: decide {names ^ decided}"


def test_valid_access_types_and_mappings_are_in_the_audit_log(admin_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    admin_client.post("/access/", {"connection": connection.pk})
    system = CriticalSystem.objects.get()
    (added,) = rows_for(CriticalSystem)
    assert (added.who, added.action) == ("alice-admin", "Added as a critical system")
    role = OrgRole.objects.create(name="SRE")
    admin_client.post(
        f"/access/systems/{system.pk}/", {"access_type": "role_based", f"role_{role.pk}": "on"}
    )
    changed = rows_for(CriticalSystem)[-1]
    assert changes(changed)["Valid access type"][1] == "Staff role-based"
    (rule,) = rows_for(AllowedRole)
    assert rule.who == "alice-admin" and changes(rule)["Org role that may have access"][1] == "SRE"
    ACCOUNTS.save(
        connection=connection,
        records=[AccountRecord(upstream_id="u1", email="bot@example.com", name="Bot", role="user")],
    )
    account = Account.objects.get()
    admin_client.post(
        f"/access/accounts/{account.pk}/",
        {"kind": "external", "external_until": "2027-01-31", "reason": "Contractor"},
    )
    mapped = rows_for(AccountMapping)[-1]
    assert (
        mapped.who == "alice-admin" and changes(mapped)["Belongs to"][1] == "External (contractor)"
    )


def test_the_audit_log_pages_newest_first(admin_client, auditor_client) -> None:  # type: ignore[no-untyped-def]
    for n in range(60):
        OrgRole.objects.create(name=f"Role {n:02d}")
    first = auditor_client.get("/audit-log/").content.decode()
    assert "Role 59" in first and 'rel="next">Older</a>' in first
    older = auditor_client.get("/audit-log/?page=2").content.decode()
    assert 'rel="prev">Newer</a>' in older and "Role 59" not in older
