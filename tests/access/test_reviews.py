"""Access reviews: the frozen snapshot, decisions, bulk and self-reviews, sign-off, revocations
verified by later syncs, the overdue check, and who may see and do what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from access.apps import evaluate_after_sync
from access.models import Account, CriticalSystem, StaffMember
from access.review_checks import REMOVAL_KEY, failing_removals
from access.review_models import SNAPSHOT_FIELDS, AccessReview, ReviewItem, ReviewPolicy
from access.review_selectors import changes_since_last, rubber_stamp
from access.review_services import (
    ReviewRefused,
    decide,
    keep_selected,
    review_start,
    sign_off,
    verify_outcomes,
)
from access.review_snapshot import digest, stored_digest
from access.store import ACCOUNTS
from accounts.roles import Role
from checks.models import CheckState
from integrations.records import AccountRecord
from tests.conftest import make_connection, make_user

pytestmark = pytest.mark.django_db


def _record(upstream_id: str, email: str, role: str = "User") -> AccountRecord:
    return AccountRecord(upstream_id=upstream_id, email=email, name=email.split("@")[0], role=role)


def _sync(connection, *records: AccountRecord) -> None:  # type: ignore[no-untyped-def]
    """A complete listing of the accounts, then what runs after an accounts sync."""
    ACCOUNTS.save(connection=connection, records=list(records))
    ACCOUNTS.flag_missing(connection=connection, listed={r.upstream_id for r in records})
    evaluate_after_sync(connection=connection, streams={"accounts": {}})


@pytest.fixture
def system(db):  # type: ignore[no-untyped-def]
    owner = StaffMember.objects.create(name="Olga Owner", email="olga@example.com")
    connection = make_connection()
    system = CriticalSystem.objects.create(connection=connection, owner=owner)
    _sync(
        connection,
        _record("u1", "ann@example.com"),
        _record("u2", "ben@example.com", "Admin"),
        _record("u3", "olga@example.com", "Owner"),
    )
    return system


def _start(system, user, mode: str = "owner") -> AccessReview:  # type: ignore[no-untyped-def]
    return review_start(
        name="Q1 2027", systems=[system], due_on=date.today(), reviewer_mode=mode, user=user
    )


def _item(review: AccessReview, email: str) -> ReviewItem:
    return review.items.get(email=email)


def test_the_snapshot_is_frozen_and_sealed_whatever_the_live_accounts_do(
    system, admin_user, admin_client
) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    rows = list(review.items.values("system_name", "upstream_id", "email", "role"))
    assert len(rows) == 3 and {r["system_name"] for r in rows} == {"OpsGenie"}
    assert len(review.snapshot_sha256) == 64
    assert stored_digest(review.pk) == review.snapshot_sha256
    # The seal is over the canonical form: the order items come in does not matter.
    fields = review.items.values(*SNAPSHOT_FIELDS)
    assert digest(reversed(list(fields))) == review.snapshot_sha256
    # Live data changes: a role, a removal. The snapshot does not.
    _sync(system.connection, _record("u1", "ann@example.com", "Admin"))
    assert Account.objects.get(upstream_id="u1").role == "Admin"
    assert list(review.items.values("system_name", "upstream_id", "email", "role")) == rows
    assert stored_digest(review.pk) == review.snapshot_sha256
    item = _item(review, "ann@example.com")
    item.role = "Owner"
    with pytest.raises(ValueError, match="snapshot cannot change"):
        item.save()
    with pytest.raises(ValueError, match="snapshot cannot change"):
        item.save(update_fields=["role"])
    page = admin_client.get(f"/access/reviews/{review.pk}/").content.decode()
    assert review.snapshot_sha256 in page and "the stored snapshot matches it" in page
    # Edited behind the app's back, the page says the seal is broken.
    ReviewItem.objects.filter(pk=item.pk).update(role="Owner")
    page = admin_client.get(f"/access/reviews/{review.pk}/").content.decode()
    assert "no longer matches its SHA-256" in page


def test_reviewers_are_app_users_by_email_or_the_creator_says_why(
    system, admin_user, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    item = _item(review, "ann@example.com")
    assert item.reviewer == admin_user
    assert "Olga Owner <olga@example.com> has no EvidenceHub user" in item.reviewer_note
    olga = make_user(django_user_model, "olga", Role.STAFF, email="Olga@Example.com")
    review = _start(system, admin_user)
    assert set(review.items.values_list("reviewer", flat=True)) == {olga.pk}
    assert set(review.items.values_list("reviewer_note", flat=True)) == {""}
    # Manager mode: Ann's manager is Olga; Ben is in nobody's directory.
    ann = StaffMember.objects.create(
        name="Ann", email="ann@example.com", manager=StaffMember.objects.get(name="Olga Owner")
    )
    _sync(system.connection, *(_record(i.upstream_id, i.email) for i in review.items.all()))
    review = _start(system, admin_user, mode="manager")
    assert _item(review, "ann@example.com").reviewer == olga
    assert _item(review, "ann@example.com").staff_name == ann.name
    ben = _item(review, "ben@example.com")
    assert ben.reviewer == admin_user and "not a staff member's" in ben.reviewer_note


def test_revoke_and_change_role_need_a_note_and_every_decision_is_kept(
    system, admin_user, admin_client
) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    item = _item(review, "ben@example.com")
    url = f"/access/reviews/{review.pk}/items/{item.pk}/"
    page = admin_client.post(url, {"decision": "revoke", "note": "  "}).content.decode()
    assert "Revoke needs a note" in page
    item.refresh_from_db()
    assert item.decision == "" and item.decided_at is None
    page = admin_client.post(url, {"decision": "bogus"}).content.decode()
    assert "Choose Keep, Revoke or Change role." in page
    response = admin_client.post(url, {"decision": "change_role", "note": "Admin → User"})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    admin_client.post(url, {"decision": "revoke", "note": "Left the <b>team</b>"})
    item.refresh_from_db()
    assert (item.decision, item.outcome, item.decided_by, item.bulk) == (
        "revoke",
        "pending",
        admin_user,
        False,
    )
    decisions = list(item.history.order_by("history_date").values_list("decision", flat=True))
    assert decisions == ["", "change_role", "revoke"]
    page = admin_client.get(url).content.decode()
    assert "Left the &lt;b&gt;team&lt;/b&gt;" in page and "<b>team" not in page


def test_deciding_on_your_own_account_needs_a_reason(system, admin_user, django_user_model) -> None:  # type: ignore[no-untyped-def]
    olga = make_user(django_user_model, "olga", Role.STAFF, email="olga@example.com")
    review = _start(system, admin_user)
    own = _item(review, "olga@example.com")
    with pytest.raises(ReviewRefused, match="your own account"):
        decide(item=own, decision="keep", note="", user=olga)
    own.refresh_from_db()
    assert own.decision == ""
    decide(item=own, decision="keep", note="", reason="I am the only owner", user=olga)
    own.refresh_from_db()
    assert own.self_review_reason == "I am the only owner"
    assert rubber_stamp(review.pk).self_reviews == 1


def test_keep_selected_marks_bulk_and_refuses_a_self_review_whole(
    system, admin_user, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    olga = make_user(django_user_model, "olga", Role.STAFF, email="olga@example.com")
    review = _start(system, admin_user)
    ids = list(review.items.values_list("pk", flat=True))
    with pytest.raises(ReviewRefused, match="your own account"):
        keep_selected(review=review, item_ids=ids, note="All checked against HR", user=olga)
    assert not review.items.exclude(decision="").exists()
    with pytest.raises(ReviewRefused, match="needs a note"):
        keep_selected(review=review, item_ids=ids[:2], note=" ", user=olga)
    others = list(review.items.exclude(email="olga@example.com").values_list("pk", flat=True))
    assert keep_selected(review=review, item_ids=others, note="HR list", user=olga) == 2
    assert set(review.items.filter(pk__in=others).values_list("bulk", "note")) == {
        (True, "HR list")
    }
    signals = rubber_stamp(review.pk)
    assert (signals.decided, signals.bulk, signals.bulk_share) == (2, 2, 1.0)
    with pytest.raises(ReviewRefused, match="already decided"):
        keep_selected(review=review, item_ids=others, note="again", user=olga)


def test_decisions_per_minute_is_the_median_pace_of_one_reviewer(system, admin_user) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    start = timezone.now()
    for seconds, item in zip((0, 10, 40), review.items.all(), strict=True):
        decide(item=item, decision="keep", note="", reason="r", user=admin_user, now=start)
        ReviewItem.objects.filter(pk=item.pk).update(decided_at=start + timedelta(seconds=seconds))
    # Gaps of 10 s and 30 s: the median gap is 20 s, three decisions a minute.
    assert rubber_stamp(review.pk).per_minute == 3.0
    assert [(p.username, p.decisions) for p in rubber_stamp(review.pk).reviewers] == [
        ("alice-admin", 3)
    ]


def test_sign_off_waits_for_every_decision_then_decisions_are_final(
    system, admin_user, admin_client
) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    response = admin_client.post(f"/access/reviews/{review.pk}/sign-off/", follow=True)
    assert "3 accounts still need a decision" in response.content.decode()
    review.refresh_from_db()
    assert review.signed_off_at is None
    for item in review.items.all():
        decide(item=item, decision="keep", note="", reason="mine", user=admin_user)
    admin_client.post(f"/access/reviews/{review.pk}/sign-off/")
    review.refresh_from_db()
    assert review.signed_off_by == admin_user and review.signed_off_at is not None
    item = review.items.first()
    page = admin_client.post(
        f"/access/reviews/{review.pk}/items/{item.pk}/", {"decision": "revoke", "note": "late"}
    ).content.decode()
    assert "signed off: its decisions can no longer change" in page
    item.refresh_from_db()
    assert item.decision == "keep"
    response = admin_client.post(f"/access/reviews/{review.pk}/sign-off/", follow=True)
    assert "Not signed off: This review is signed off" in response.content.decode()


def _decide_all(review: AccessReview, user, **special: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    for item in review.items.all():
        decision, note = special.get(item.upstream_id, ("keep", ""))
        decide(item=item, decision=decision, note=note, reason="owner", user=user)


def test_a_revocation_is_done_only_when_a_later_sync_shows_it(system, admin_user) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    _decide_all(review, admin_user, u1=("revoke", "left"), u2=("change_role", "to User"))
    sign_off(review=review, user=admin_user)
    ann, ben = _item(review, "ann@example.com"), _item(review, "ben@example.com")
    assert (ann.outcome, ben.outcome) == ("pending", "pending")
    # The reviewer's word is not enough; a sync where nothing changed does nothing either.
    all_three = [_record("u1", "ann@example.com"), _record("u2", "ben@example.com", "Admin")]
    _sync(system.connection, *all_three, _record("u3", "olga@example.com", "Owner"))
    ann.refresh_from_db()
    assert ann.outcome == "pending"
    # Ann is gone upstream; Ben's role is lowered.
    _sync(
        system.connection,
        _record("u2", "ben@example.com", "User"),
        _record("u3", "olga@example.com", "Owner"),
    )
    ann.refresh_from_db()
    ben.refresh_from_db()
    assert ann.outcome == ben.outcome == "done"
    assert ann.done_at == Account.objects.get(upstream_id="u1").removed_at
    assert ann.took is not None and ann.took >= timedelta(0)
    assert ann.history.filter(history_change_reason="verified by a sync").exists()


def test_a_revoked_account_whose_row_is_gone_counts_as_done(system, admin_user) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    _decide_all(review, admin_user, u1=("revoke", "left"))
    account = Account.objects.get(upstream_id="u1")
    account.mapping.delete()
    account.delete()
    assert verify_outcomes() == 1
    assert _item(review, "ann@example.com").outcome == "done"


def test_the_overdue_check_fails_n_days_after_sign_off(system, admin_user, admin_client) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    _decide_all(review, admin_user, u1=("revoke", "left"))
    sign_off(review=review, user=admin_user)
    now = timezone.now()
    assert list(failing_removals(now + timedelta(days=6))) == []
    [row] = failing_removals(now + timedelta(days=9))
    assert row.label == "ann@example.com on OpsGenie" and row.source == "OpsGenie"
    assert "the account still exists in OpsGenie" in row.reason
    assert "2 d past the 7-day limit" in row.reason
    # The limit is the admin's, kept with history; a shorter one fails at once.
    response = admin_client.post("/access/reviews/", {"removal_days": "0"})
    assert "Give a number of days from 1 to 365." in response.content.decode()
    assert ReviewPolicy.current().removal_days == 7
    admin_client.post("/access/reviews/", {"removal_days": "3"})
    assert ReviewPolicy.current().removal_days == 3
    # Reading the defaults wrote nothing: the history starts at the admin's change.
    assert list(ReviewPolicy.history.values_list("removal_days", "history_user__username")) == [
        (3, "alice-admin")
    ]
    ReviewPolicy.objects.update(removal_days=1)
    AccessReview.objects.filter(pk=review.pk).update(signed_off_at=now - timedelta(days=2))
    from lib.checks import engine

    engine().evaluate(topic="access", reason="test")
    state = CheckState.objects.get(key=REMOVAL_KEY)
    assert state.status == "failing"
    assert state.failing_items.get().label == "ann@example.com on OpsGenie"
    _sync(system.connection, _record("u2", "ben@example.com", "Admin"))
    assert CheckState.objects.get(key=REMOVAL_KEY).status == "passing"


def test_the_page_shows_what_changed_since_the_last_completed_review(
    system, admin_user, admin_client
) -> None:  # type: ignore[no-untyped-def]
    first = _start(system, admin_user)
    _decide_all(first, admin_user)
    sign_off(review=first, user=admin_user)
    _sync(
        system.connection,
        _record("u2", "ben@example.com", "Owner"),
        _record("u3", "olga@example.com", "Owner"),
        _record("u4", "dan@example.com"),
    )
    second = _start(system, admin_user)
    [change] = changes_since_last(second)
    assert change.previous == first
    assert [i.email for i in change.new] == ["dan@example.com"]
    assert [i.email for i in change.removed] == ["ann@example.com"]
    assert [(i.email, before) for i, before in change.role_changed] == [
        ("ben@example.com", "Admin")
    ]
    page = admin_client.get(f"/access/reviews/{second.pk}/").content.decode()
    assert "New accounts: 1 — dan@example.com" in page
    assert "ben@example.com (Admin → Owner)" in page


def test_a_staff_reviewer_sees_and_decides_only_their_items(
    system, admin_user, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    olga = make_user(django_user_model, "olga", Role.STAFF, email="olga@example.com")
    review = _start(system, admin_user)
    other = _start(system, admin_user, mode="manager")  # every item falls to the admin
    client = Client()
    client.force_login(olga)
    page = client.get("/").content.decode()
    assert "My reviews (3)" in page and ">Reviews<" not in page
    mine = client.get("/access/my-reviews/").content.decode()
    assert "ben@example.com" in mine and "Q1 2027" in mine
    for url in (
        "/access/",
        "/access/reviews/",
        f"/access/reviews/{review.pk}/",
        "/access/reviews/new/",
        f"/access/systems/{system.pk}/",
    ):
        assert client.get(url).status_code == 403, url
    foreign = other.items.first()
    url = f"/access/reviews/{other.pk}/items/{foreign.pk}/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "keep"}).status_code == 403
    assert (
        client.post(f"/access/reviews/{other.pk}/keep/", {"items": [foreign.pk]}).status_code == 403
    )
    foreign.refresh_from_db()
    assert foreign.decision == ""
    ben = _item(review, "ben@example.com")
    response = client.post(
        f"/access/reviews/{review.pk}/items/{ben.pk}/", {"decision": "revoke", "note": "gone"}
    )
    assert response.status_code == 302 and response["Location"] == "/access/my-reviews/"
    ann = _item(review, "ann@example.com")
    client.post(
        f"/access/reviews/{review.pk}/keep/",
        {"items": [ann.pk], "note": "checked", "from": "mine"},
    )
    ann.refresh_from_db()
    assert (ann.decision, ann.bulk, ann.decided_by) == ("keep", True, olga)
    assert "My reviews (1)" in client.get("/").content.decode()


def test_an_auditor_reads_reviews_and_changes_nothing(system, admin_user, auditor_client) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    item = review.items.first()
    page = auditor_client.get(f"/access/reviews/{review.pk}/").content.decode()
    assert review.snapshot_sha256 in page and "Sign off" not in page and "Keep selected" not in page
    assert (
        "Save decision"
        not in auditor_client.get(f"/access/reviews/{review.pk}/items/{item.pk}/").content.decode()
    )
    writes = {
        f"/access/reviews/{review.pk}/items/{item.pk}/": {"decision": "keep"},
        f"/access/reviews/{review.pk}/keep/": {"items": [item.pk], "note": "x"},
        f"/access/reviews/{review.pk}/sign-off/": {},
        "/access/reviews/new/": {"name": "x", "systems": [system.pk], "due_on": "2099-01-01"},
        "/access/reviews/": {"removal_days": "3"},
    }
    for url, data in writes.items():
        assert auditor_client.post(url, data).status_code == 403, url
    assert not ReviewItem.objects.exclude(decision="").exists()
    assert (
        AccessReview.objects.count() == 1
        and not AccessReview.objects.exclude(signed_off_at=None).exists()
    )
    assert ReviewPolicy.current().removal_days == 7


def test_refused_input_is_answered_and_changes_nothing(system, admin_user, admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.post(
        "/access/reviews/new/", {"name": "", "systems": ["x"], "due_on": "01/02/2020"}
    ).content.decode()
    assert "Give the review a name" in page and "Give a date as YYYY-MM-DD." in page
    assert "Choose critical systems from the list." in page
    page = admin_client.post(
        "/access/reviews/new/",
        {"name": "Past", "systems": [system.pk], "due_on": "2020-01-01", "reviewer_mode": "owner"},
    ).content.decode()
    assert "The due date is in the past." in page
    assert not AccessReview.objects.exists()
    review = _start(system, admin_user)
    for items in (["abc"], ["²"], ["99999999999999999999"]):
        response = admin_client.post(
            f"/access/reviews/{review.pk}/keep/", {"items": items, "note": "n"}, follow=True
        )
        assert response.status_code == 200
        assert "Nothing was kept" in response.content.decode() or "not in this review" in (
            response.content.decode()
        )
    response = admin_client.post(f"/access/reviews/{review.pk}/keep/", {"note": "n"}, follow=True)
    assert "Tick the accounts to keep." in response.content.decode()
    assert not review.items.exclude(decision="").exists()
    item = review.items.first()
    assert admin_client.get(f"/access/reviews/{review.pk + 1}/items/{item.pk}/").status_code == 404
    assert admin_client.get(f"/access/reviews/{review.pk}/?show=<x>&page=zz").status_code == 200


def test_an_admin_starts_a_review_from_the_page(system, admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        "/access/reviews/new/",
        {
            "name": "Q2 <review>",
            "systems": [system.pk],
            "due_on": (date.today() + timedelta(days=14)).isoformat(),
            "reviewer_mode": "manager",
        },
        follow=True,
    )
    review = AccessReview.objects.get()
    page = response.content.decode()
    assert "a snapshot of 3 accounts was frozen" in page
    assert "Q2 &lt;review&gt;" in page and review.snapshot_sha256 in page
    listing = admin_client.get("/access/reviews/").content.decode()
    assert "Q2 &lt;review&gt;" in listing and "OpsGenie" in listing


def test_the_evidence_holds_each_review_its_decisions_and_its_seal(system, admin_user) -> None:  # type: ignore[no-untyped-def]
    import hashlib
    import json

    from django.test import Client

    from evidence.archive import build_evidence_zip
    from lib.evidence_files import Period
    from tests.evidence.conftest import read_csv, read_zip

    review = _start(system, admin_user)
    _decide_all(review, admin_user, u1=("revoke", "=left the team"))
    ben = _item(review, "ben@example.com")
    ReviewItem.objects.filter(pk=ben.pk).update(decision="")
    keep_selected(review=review, item_ids=[ben.pk], note="HR list", user=admin_user)
    sign_off(review=review, user=admin_user)
    _sync(system.connection, _record("u2", "ben@example.com", "Admin"))
    today = timezone.localdate()
    period = Period(start=today - timedelta(days=1), end=today)
    with build_evidence_zip(period=period, generated_by=admin_user) as file:
        archive = read_zip(file.read())
    [row] = read_csv(archive, "access_reviews.csv")
    assert row["review_id"] == str(review.pk) and row["name"] == "Q1 2027"
    assert row["systems"] == "OpsGenie" and row["started_by"] == "alice-admin"
    assert row["signed_off_by"] == "alice-admin" and row["snapshot_sha256"] == (
        review.snapshot_sha256
    )
    assert row["snapshot_matches_sha256"] == "yes"
    assert (row["accounts"], row["pending"], row["kept"], row["revoked"]) == ("3", "0", "2", "1")
    assert (row["revocations_done"], row["decided_in_bulk"], row["self_reviews"]) == ("1", "1", "0")
    assert row["bulk_share"] == "0.333"
    path = f"access_reviews/review-{review.pk}-decisions.csv"
    assert row["decisions_file"] == path
    decisions = {r["email"]: r for r in read_csv(archive, path)}
    assert set(decisions) == {"ann@example.com", "ben@example.com", "olga@example.com"}
    ann = decisions["ann@example.com"]
    assert (ann["decision"], ann["note"], ann["outcome"]) == ("Revoke", "'=left the team", "Done")
    assert ann["review_id"] == str(review.pk) and ann["took_seconds"] != ""
    assert decisions["ben@example.com"]["decided_in_bulk"] == "yes"
    assert decisions["olga@example.com"]["self_review_reason"] == ""
    manifest = json.loads(archive.read("manifest.json"))
    [attached] = [e for e in manifest["files"] if e["name"] == path]
    assert attached["sha256"] == hashlib.sha256(archive.read(path)).hexdigest()
    # The review's page offers the same file to its readers.
    client = Client()
    client.force_login(admin_user)
    page_file = client.get(f"/access/reviews/{review.pk}/decisions.csv")
    assert page_file["Content-Type"].startswith("text/csv")
    assert page_file.content == archive.read(path)
    [entry] = [e for e in manifest["files"] if e["name"] == "access_reviews.csv"]
    assert entry["snapshots"] == [
        {"review_id": review.pk, "name": "Q1 2027", "snapshot_sha256": review.snapshot_sha256}
    ]
    # A period before the review started has none of it.
    before = Period(start=today - timedelta(days=30), end=today - timedelta(days=20))
    with build_evidence_zip(period=before, generated_by=admin_user) as file:
        assert read_csv(read_zip(file.read()), "access_reviews.csv") == []


def test_a_reviewer_ticking_others_items_learns_nothing_of_them(
    system, admin_user, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    olga = make_user(django_user_model, "olga", Role.STAFF, email="olga@example.com")
    review = _start(system, admin_user)
    ann = _item(review, "ann@example.com")
    ReviewItem.objects.filter(pk=ann.pk).update(reviewer=admin_user)  # someone else's item
    client = Client()
    client.force_login(olga)
    ben = _item(review, "ben@example.com")
    response = client.post(
        f"/access/reviews/{review.pk}/keep/",
        {"items": [ben.pk, ann.pk], "note": "checked", "from": "mine"},
        follow=True,
    )
    page = response.content.decode()
    assert "Nothing was kept" in page and "ann@example.com" not in page
    ben.refresh_from_db()
    assert ben.decision == ""


def test_an_auditor_is_never_a_reviewer(system, admin_user, django_user_model) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    auditor = make_user(django_user_model, "olga-auditor", Role.AUDITOR, email="olga@example.com")
    review = _start(system, admin_user)
    assert not review.items.filter(reviewer=auditor).exists()
    ben = _item(review, "ben@example.com")
    client = Client()
    client.force_login(auditor)
    url = f"/access/reviews/{review.pk}/items/{ben.pk}/"
    assert client.post(url, {"decision": "revoke", "note": "x"}).status_code == 403
    ben.refresh_from_db()
    assert ben.decision == ""


def test_a_bulk_keep_note_with_a_nul_is_refused_and_keeps_nothing(
    system, admin_user, admin_client
) -> None:  # type: ignore[no-untyped-def]
    review = _start(system, admin_user)
    item = _item(review, "ann@example.com")
    response = admin_client.post(
        f"/access/reviews/{review.pk}/keep/",
        {"items": [item.pk], "note": "checked\x00 in HR"},
        follow=True,
    )
    assert response.status_code == 200
    assert "the note holds a null character" in response.content.decode()
    assert not review.items.exclude(decision="").exists()
