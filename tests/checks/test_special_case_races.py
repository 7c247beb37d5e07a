"""One active special case per item, whatever the clicks (issue 12): a double submit, two admins
at once, or a bulk choice including excepted items answer with the case that exists: never a
duplicate, never a 500. The race is set up deterministically; on PostgreSQL two threads race."""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connections, transaction
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from accounts.roles import Role
from checks import services
from checks.engine import evaluate
from checks.models import CheckState, CheckStatusChange, SpecialCase
from incidents.checks import CLOSED_KEY
from tests.checks.conftest import make
from tests.conftest import make_user
from tests.races import posted_at_once

pytestmark = pytest.mark.django_db
URL = f"/checks/{CLOSED_KEY}/special-cases/"
on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="two writers at once need PostgreSQL (DATABASE_URL=postgres://…)",
)


def _form(*keys: str, reason: str = "Vendor outage") -> dict[str, object]:
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {"item_keys": list(keys), "reason": reason, "expires_on": expires}


def _made_by(case: SpecialCase) -> str:
    when = date_format(timezone.localtime(case.created_at), "j M Y, H:i")
    return f"created by {case.created_by.get_username()} at {when}"


def _events(kind: str) -> int:
    return CheckStatusChange.objects.filter(event=kind).count()


@pytest.fixture
def second_admin(django_user_model):  # type: ignore[no-untyped-def]
    return make_user(django_user_model, "dave-admin", Role.ADMIN)


def test_a_double_submit_answers_with_the_case_it_made(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    key = f"incident:{incident.pk}"
    first = admin_client.post(URL, _form(key))
    again = admin_client.post(URL, _form(key))
    case = SpecialCase.objects.get()
    assert first.status_code == again.status_code == 302
    assert again.url == f"/checks/{CLOSED_KEY}/#special-case-{case.pk}"
    page = admin_client.get(again.url).content.decode()
    assert f"This item already has an active special case, {_made_by(case)}." in page
    assert f'id="special-case-{case.pk}"' in page
    assert _events("special_case_created") == 1


def test_a_case_saved_between_the_check_and_the_write_is_the_answer(
    admin_client, second_admin, connection, settings, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The other admin's case lands after this request looked for one and before it writes:
    the database refuses the second, the admin is shown the first, their file is not kept."""
    settings.MEDIA_ROOT = str(tmp_path)
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    key = f"incident:{incident.pk}"
    state = CheckState.objects.get(key=CLOSED_KEY)
    real = services._open_cases

    def looked_just_before(state_, keys):  # type: ignore[no-untyped-def]
        found = real(state_, keys)
        if not SpecialCase.objects.exists():
            SpecialCase.objects.create(
                check_state=state, item_key=key, label="#1", reason="Known", created_by=second_admin
            )
        return found

    monkeypatch.setattr(services, "_open_cases", looked_just_before)
    proof = SimpleUploadedFile("ticket.pdf", b"%PDF-1.4 proof")
    response = admin_client.post(URL, {**_form(key, reason="Load test"), "attachment": proof})
    case = SpecialCase.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"#special-case-{case.pk}")
    page = admin_client.get(response.url).content.decode()
    assert f"This item already has an active special case, {_made_by(case)}." in page
    assert "dave-admin" in page and "Your reason was not saved there: “Load test”." in page
    assert case.reason == "Known" and not case.attachment
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
    assert _events("special_case_created") == 0


def test_bulk_except_skips_items_that_have_a_case_and_says_so(
    admin_client, second_admin, connection
) -> None:  # type: ignore[no-untyped-def]
    incidents = [make(connection, n, status="open", resolved_at=None) for n in (1, 2, 3)]
    evaluate()
    keys = [f"incident:{incident.pk}" for incident in incidents]
    other = Client()
    other.force_login(second_admin)
    other.post(URL, _form(keys[1], reason="Known"))
    response = admin_client.post(URL, _form(*keys, reason="Load test"), follow=True)
    page = response.content.decode()
    kept = SpecialCase.objects.get(item_key=keys[1])
    assert "2 items are now special cases." in page
    assert (
        "Skipped 1 item that already had an active special case, left as it was: "
        f"#2 Incident 2 ({_made_by(kept)})."
    ) in page
    assert sorted(SpecialCase.objects.values_list("item_key", "reason")) == sorted(
        [(keys[0], "Load test"), (keys[1], "Known"), (keys[2], "Load test")]
    )
    state = CheckState.objects.get(key=CLOSED_KEY)
    assert (state.failing_count, state.excepted_count) == (0, 3)


def test_an_expired_case_makes_way_for_a_new_one_and_the_history_says_both(
    admin_client, connection
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    key = f"incident:{incident.pk}"
    admin_client.post(URL, _form(key, reason="Vendor outage"))
    SpecialCase.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    # No evaluation since it expired: its expiry is recorded before the new case is made.
    page = admin_client.post(URL, _form(key, reason="Still the vendor"), follow=True)
    assert "is now a special case." in page.content.decode()
    assert list(SpecialCase.objects.order_by("pk").values_list("reason", flat=True)) == [
        "Vendor outage",
        "Still the vendor",
    ]
    assert (_events("special_case_expired"), _events("special_case_created")) == (1, 2)
    assert CheckState.objects.get(key=CLOSED_KEY).excepted_count == 1


def test_the_database_holds_one_open_case_per_item(connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    state = CheckState.objects.get(key=CLOSED_KEY)
    values = {"check_state": state, "item_key": f"incident:{incident.pk}", "label": "x"}
    first = SpecialCase.objects.create(**values, reason="one")
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialCase.objects.create(**values, reason="two")
    SpecialCase.objects.filter(pk=first.pk).update(ended_at=timezone.now())
    SpecialCase.objects.create(**values, reason="after the end")  # an ended one makes way
    assert SpecialCase.objects.count() == 2


def test_ending_a_case_someone_just_ended_keeps_their_end_and_shows_both_reasons(
    admin_client, second_admin, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    admin_client.post(URL, _form(f"incident:{incident.pk}"))
    case = SpecialCase.objects.get()
    real = services.special_case_end

    def ended_first(*, case, user, reason):  # type: ignore[no-untyped-def]
        real(case=SpecialCase.objects.get(pk=case.pk), user=second_admin, reason="Vendor fixed")
        return real(case=case, user=user, reason=reason)

    monkeypatch.setattr("checks.views.special_case_end", ended_first)
    url = f"/checks/{CLOSED_KEY}/special-cases/{case.pk}/end/"
    response = admin_client.post(url, {"reason": "Audit asked"})
    assert response.status_code == 302 and response.url.endswith(f"#special-case-{case.pk}")
    page = admin_client.get(response.url).content.decode()
    assert "dave-admin ended the special case of #1 Incident 1" in page
    assert "“Vendor fixed”" in page and "Your reason was not saved: “Audit asked”." in page
    case.refresh_from_db()
    assert (case.ended_by, case.end_reason) == (second_admin, "Vendor fixed")
    assert _events("special_case_ended") == 1
    # Opened again later (an old tab): the same answer, not an error.
    assert admin_client.get(url).url.endswith(f"#special-case-{case.pk}")


def test_the_migration_closes_duplicates_a_double_submit_made(connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    state = CheckState.objects.get(key=CLOSED_KEY)
    with connections["default"].cursor() as cursor:  # as before the constraint (rolled back)
        cursor.execute("DROP INDEX special_case_open_once")
    now = timezone.now()
    values = {"check_state": state, "item_key": f"incident:{incident.pk}", "label": "x"}
    first = SpecialCase.objects.create(**values, reason="a", expires_at=now + timedelta(days=9))
    twin = SpecialCase.objects.create(**values, reason="a", expires_at=now + timedelta(days=9))
    old = SpecialCase.objects.create(**values, reason="b", expires_at=now - timedelta(days=1))
    migration = importlib.import_module("checks.migrations.0005_special_case_open_once")
    migration.one_open_case_per_item(django_apps, None)
    for case in (first, twin, old):
        case.refresh_from_db()
    assert first.ended_at is None and first.expiry_recorded_at is None
    assert twin.ended_at is not None and f"duplicate of special case #{first.pk}" in twin.end_reason
    assert old.ended_at is None and old.expiry_recorded_at == old.expires_at
    assert list(SpecialCase.objects.open()) == [first]


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_marking_one_item_at_the_same_moment_make_one_case(
    admin_user, second_admin, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    key = f"incident:{incident.pk}"
    both_validated = threading.Barrier(2, timeout=10)
    real = services.special_cases_create

    def together(**kwargs):  # type: ignore[no-untyped-def]
        both_validated.wait()
        return real(**kwargs)

    monkeypatch.setattr("checks.views.special_cases_create", together)
    reasons = {admin_user: "Load test", second_admin: "Vendor outage"}
    pages = posted_at_once(
        {
            user: lambda client, reason=reason: client.post(
                URL, _form(key, reason=reason), follow=True
            )
            for user, reason in reasons.items()
        }
    )
    assert sorted(status for status, _page in pages.values()) == [200, 200]
    case = SpecialCase.objects.get()
    loser = second_admin if case.created_by == admin_user else admin_user
    assert "is now a special case." in pages[case.created_by.get_username()][1]
    page = pages[loser.get_username()][1]
    assert f"This item already has an active special case, {_made_by(case)}." in page
    assert f"Your reason was not saved there: “{reasons[loser]}”." in page
    assert _events("special_case_created") == 1
