"""Fixtures of the URL walks (test_url_permissions.py and test_url_walk_every_method.py): a
connected OpsGenie and PagerDuty, and a real id for every kind of object a URL names; and `sso`,
single sign-on configured against a mocked identity provider."""

from __future__ import annotations

import pytest

from integrations.models import Connection
from tests.accounts.sso_support import sso  # noqa: F401 - single sign-on against a mocked IdP
from tests.conftest import make_connection


@pytest.fixture
def samples(connected_opsgenie, admin_user, settings, tmp_path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from incidents.models import Incident

    incident = Incident.objects.create(
        connection=connected_opsgenie,
        source="opsgenie",
        upstream_id="abc",
        number="1",
        title="Database down",
        status="open",
        priority="high",
        created_at=timezone.now(),
        content_hash="x",
        changed_at=timezone.now(),
    )
    from alerts.models import Alert

    alert = Alert.objects.create(
        connection=connected_opsgenie,
        provider="opsgenie",
        upstream_id="alert-1",
        tiny_id="1",
        message="Disk full",
        status="open",
        created_at=timezone.now(),
        content_hash="x",
        first_seen_at=timezone.now(),
        changed_at=timezone.now(),
    )
    from integrations.providers.opsgenie.config_mapping import config_record
    from library.models import LibraryObject
    from library.store import LibraryStore

    team = {"id": "team-1", "name": "Platform", "members": [{"user": {"id": "u1"}, "role": "user"}]}
    LibraryStore("teams").save(
        connection=connected_opsgenie, records=[config_record("teams", "team-1", team)]
    )
    library_object = LibraryObject.objects.get(kind="teams", upstream_id="team-1")
    from django.core.files.base import ContentFile

    from checks.engine import evaluate
    from checks.models import CheckState, SpecialCase

    evaluate()
    state = CheckState.objects.get(key="incident-closed")
    case = SpecialCase(check_state=state, item_key=f"incident:{incident.pk}", label="x", reason="r")
    case.attachment.save("proof.txt", ContentFile(b"proof"), save=False)
    case.save()
    from access.models import Account, CriticalSystem, OrgRole, StaffMember

    system = CriticalSystem.objects.create(connection=connected_opsgenie)
    account = Account.objects.create(
        connection=connected_opsgenie, upstream_id="u1", email="dana@example.com", content_hash="x"
    )
    role = OrgRole.objects.create(name="Engineering")
    person = StaffMember.objects.create(name="Dana", email="dana@example.com", org_role=role)
    from datetime import date, timedelta

    from access.review_services import review_start

    # The system has no owner: its account's item falls to the admin who started the review.
    review = review_start(
        name="Q1", systems=[system], due_on=date.today(), reviewer_mode="owner", user=admin_user
    )
    from notifications.models import Channel, Delivery

    # A channel sending no event (its Test has nothing to send) with one logged delivery.
    channel = Channel.objects.create(
        name="On-call", kind="opsgenie", secret="0b5e1f0e-7c55-4c6b-9a51-3f6d2b8e1c7a"
    )
    delivery = Delivery.objects.create(
        channel=channel,
        event_type="check_failing",
        alias="check:incident-closed",
        message="Check failing",
        payload={"message": "Check failing"},
        created_at=timezone.now(),
        status="delivered",
    )
    # A finished evidence export, its file a (small, empty) ZIP in this test's own directory.
    import zipfile

    from evidence.models import EvidenceExport

    settings.EVIDENCE_EXPORT_DIR = str(tmp_path / "exports")
    (tmp_path / "exports").mkdir()
    export = EvidenceExport.objects.create(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        requested_by=admin_user,
        status="done",
        file_name="sample.zip",
        expires_at=timezone.now() + timedelta(days=1),
    )
    zipfile.ZipFile(tmp_path / "exports" / "sample.zip", "w").close()
    # A move set on the OpsGenie connection (to another connection, in a month), so that the
    # move's incidents page has one to show.
    from integrations.models import Connection

    Connection.objects.filter(pk=connected_opsgenie.pk).update(
        moved_to=Connection.objects.get(provider="pagerduty"),
        moved_on=date.today() + timedelta(days=30),
    )
    return {
        "connection_id": connected_opsgenie.pk,
        "export": export.pk,
        "kind": "opsgenie",
        "channel_id": channel.pk,
        "delivery": delivery.pk,
        "review": review.pk,
        "item": review.items.get().pk,
        "provider": "opsgenie",
        "pk": incident.pk,
        "alert": alert.pk,
        "library_kind": "teams",
        "library_object": library_object.pk,
        "key": state.key,
        "case": case.pk,
        "system": system.pk,
        "account": account.pk,
        "person": person.pk,
        "role": role.pk,
        "user": admin_user.pk,
        "uidb64": "MQ",
        "token": "not-a-token",
    }


@pytest.fixture
def connected_opsgenie(admin_user, monkeypatch) -> Connection:  # type: ignore[no-untyped-def]
    # PagerDuty is connected too, so its pages render; its services step reads no upstream.
    make_connection(provider="pagerduty")
    monkeypatch.setattr(
        "integrations.providers.pagerduty.service_selection.refresh_services", lambda c: []
    )
    return make_connection()
