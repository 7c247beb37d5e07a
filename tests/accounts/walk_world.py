"""The URL walks' world (test_url_permissions.py, test_url_walk_every_method.py and the fuzz):
a connected OpsGenie and PagerDuty, a user per role and a real id for every kind of object a URL
names, built once a module rather than once a test (it was a third of CI's time: 1,300 tests
each evaluating every check and starting an access review to answer one request).

As Django's TestCase.setUpTestData does: the world is written inside a transaction held for the
module and rolled back at its end; each test runs in a savepoint within it (pytest-django's
``db``), so whatever a test writes is undone before the next, and the world stays as built.
A test module uses it by importing these fixtures (they then stand for tests/conftest.py's
users in that module only)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings

from accounts.roles import Role
from integrations.models import Connection
from tests.conftest import make_connection, make_user


@dataclass(frozen=True)
class World:
    users: dict[str, object]
    samples: dict[str, object]


@pytest.fixture(scope="module")
def walk_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    exports = tmp_path_factory.mktemp("exports")
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(EVIDENCE_EXPORT_DIR=str(exports)),
    ):
        # PagerDuty is connected too, so its pages render; its services step reads no upstream.
        patch.setattr(
            "integrations.providers.pagerduty.service_selection.refresh_services", lambda c: []
        )
        model = get_user_model()
        users = {
            "admin": make_user(model, "alice-admin", Role.ADMIN),
            "auditor": make_user(model, "bob-auditor", Role.AUDITOR),
            "staff": make_user(model, "carol-staff", Role.STAFF),
        }
        make_connection(provider="pagerduty")
        samples = _build_samples(make_connection(), users["admin"], exports)
        yield World(users=users, samples=samples)
        transaction.set_rollback(True)


@pytest.fixture
def samples(walk_world: World, db) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return walk_world.samples


@pytest.fixture
def connected_opsgenie(walk_world: World, db) -> Connection:  # type: ignore[no-untyped-def]
    return Connection.objects.get(pk=walk_world.samples["connection_id"])


@pytest.fixture
def admin_user(walk_world: World, db):  # type: ignore[no-untyped-def]
    return walk_world.users["admin"]


@pytest.fixture
def auditor_user(walk_world: World, db):  # type: ignore[no-untyped-def]
    return walk_world.users["auditor"]


@pytest.fixture
def staff_user(walk_world: World, db):  # type: ignore[no-untyped-def]
    return walk_world.users["staff"]


def _build_samples(connected_opsgenie, admin_user, exports: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
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

    export = EvidenceExport.objects.create(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        requested_by=admin_user,
        status="done",
        file_name="sample.zip",
        expires_at=timezone.now() + timedelta(days=1),
    )
    zipfile.ZipFile(exports / "sample.zip", "w").close()
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
