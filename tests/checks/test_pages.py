from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState, SpecialCase
from incidents.checks import CLOSED_KEY, DATA_LOSS_KEY
from incidents.models import DataLossReport
from tests.checks.conftest import make

pytestmark = pytest.mark.django_db


def _report(client, incident, **data):  # type: ignore[no-untyped-def]
    """Save the form as a page loaded just now would: carrying the report's current version."""
    saved = DataLossReport.objects.filter(incident=incident).values_list("version", flat=True)
    values = {
        "data_lost": "yes",
        "what_happened": "",
        "records_affected": "",
        "people_affected": "",
        "version": saved.first() or 0,
    }
    values.update(data)
    return client.post(f"/incidents/{incident.pk}/data-loss/", values, HTTP_HX_REQUEST="true")


def test_staff_report_data_loss_and_the_check_follows(
    staff_client, admin_client, connection
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    page = _report(
        staff_client,
        incident,
        what_happened="Export bucket public",
        categories=["personal"],
        people_affected="40",
    ).content.decode()
    assert "Data-loss report saved." in page and 'id="evidence"' in page and "<html" not in page
    assert CheckState.objects.get(key=DATA_LOSS_KEY).status == "failing"
    assert "✗ Failing" in page and "missing: a stakeholder notification" in page
    notified = (timezone.localdate() - timedelta(days=2)).isoformat()
    page = _report(
        admin_client,
        incident,
        what_happened="Export bucket public",
        categories=["personal"],
        people_affected="40",
        dpo_notified_on=notified,
    ).content.decode()
    assert CheckState.objects.get(key=DATA_LOSS_KEY).status == "passing"
    # The history shows who changed what, before → after.
    assert "alice-admin" in page and "carol-staff" in page
    assert "Data protection officer notified on" in page and notified in page
    assert DataLossReport.history.count() == 2


def test_an_auditor_cannot_write_a_data_loss_report(auditor_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    assert _report(auditor_client, incident, what_happened="x").status_code == 403
    assert not DataLossReport.objects.exists()
    page = auditor_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Read-only: staff and compliance admins record data-loss details." in page
    assert 'name="what_happened"' not in page


def test_invalid_report_input_is_explained_and_changes_nothing(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    page = _report(staff_client, incident, data_lost="no", categories=["health"]).content.decode()
    assert "You said no data was lost but listed categories or records." in page
    assert not DataLossReport.objects.exists()


@pytest.mark.parametrize(
    ("days_from_today", "message"),
    [
        (30, "This date is in the future: give the day it happened."),
        (-400, "This date is before the incident was reported"),
    ],
    ids=["future", "before-the-incident"],
)
def test_a_notification_date_that_cannot_be_true_is_refused_and_saves_nothing(
    staff_client, connection, days_from_today: int, message: str
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)  # created ten days ago
    page = _report(
        staff_client,
        incident,
        what_happened="Export bucket public",
        categories=["personal"],
        people_affected="40",
        regulators_notified_on=(timezone.localdate() + timedelta(days=days_from_today)).isoformat(),
    ).content.decode()
    assert message in page
    assert "Export bucket public" in page  # what was typed is kept
    assert not DataLossReport.objects.exists()
    assert not CheckState.objects.filter(key=DATA_LOSS_KEY, status="passing").exists()


def test_a_notification_on_the_day_the_incident_was_reported_is_accepted(
    staff_client, connection
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    day = timezone.localdate(incident.created_at).isoformat()
    _report(
        staff_client,
        incident,
        what_happened="Export bucket public",
        categories=["personal"],
        people_affected="40",
        customers_notified_on=day,
    )
    assert DataLossReport.objects.get().customers_notified_on.isoformat() == day


def test_the_check_pages_show_status_items_and_history(auditor_client, connection) -> None:  # type: ignore[no-untyped-def]
    make(connection, 1, status="open", resolved_at=None, title="<i>Payments</i> down")
    evaluate()
    listing = auditor_client.get("/checks/").content.decode()
    assert "Reported incident should be closed" in listing and "Failing" in listing
    page = auditor_client.get(f"/checks/{CLOSED_KEY}/").content.decode()
    assert "How to fix" in page and "#1 &lt;i&gt;Payments&lt;/i&gt; down" in page
    assert "Status history" in page and "special-case-form" not in page


def test_an_admin_marks_and_ends_a_special_case(
    admin_client, connection, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    url = f"/checks/{CLOSED_KEY}/special-cases/"
    response = admin_client.post(url, {"item_keys": f"incident:{incident.pk}", "reason": "  "})
    assert "A special case needs a reason." in response.content.decode()
    assert not SpecialCase.objects.exists()
    proof = SimpleUploadedFile("vendor-ticket.pdf", b"%PDF-1.4 proof")
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    admin_client.post(
        url,
        {
            "item_keys": f"incident:{incident.pk}",
            "reason": "Vendor outage",
            "attachment": proof,
            "expires_on": expires,
        },
    )
    case = SpecialCase.objects.get()
    assert CheckState.objects.get(key=CLOSED_KEY).status == "passing"
    download = admin_client.get(f"/checks/{CLOSED_KEY}/special-cases/{case.pk}/attachment/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 proof"
    end = f"/checks/{CLOSED_KEY}/special-cases/{case.pk}/end/"
    assert "End the special case of #1" in admin_client.get(end).content.decode()
    refused = admin_client.post(end, {"reason": " "}).content.decode()
    assert "Say why the special case ends." in refused
    assert CheckState.objects.get(key=CLOSED_KEY).status == "passing"
    admin_client.post(end, {"reason": "The vendor fixed it; back in scope"})
    assert CheckState.objects.get(key=CLOSED_KEY).status == "failing"
    page = admin_client.get(f"/checks/{CLOSED_KEY}/").content.decode()
    assert "Ended" in page and "The vendor fixed it; back in scope" in page


def test_an_incident_mentioning_data_loss_is_flagged_for_assessment(
    staff_client, connection
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, description="Possible DATA-LOSS on the replica")
    evaluate()
    page = staff_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "reports data loss for this incident (“Possible DATA-LOSS on the replica”)" in page
    assert "✗ Failing" in page and "nobody has assessed it" in page
    # "No" needs who assessed it and why: refused, nothing saved, the check still fails.
    page = _report(staff_client, incident, data_lost="no").content.decode()
    assert "say who assessed it and why no data was lost" in page
    assert not DataLossReport.objects.exists()
    assert CheckState.objects.get(key=DATA_LOSS_KEY).status == "failing"
    _report(staff_client, incident, data_lost="no", no_loss_explanation="Carol checked the replica")
    page = staff_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "please assess it" not in page
    assert CheckState.objects.get(key=DATA_LOSS_KEY).status == "passing"


def test_the_incident_page_title_is_plain_text(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    page = staff_client.get(f"/incidents/{incident.pk}/").content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.strip() == "Incident #1 · EvidenceHub"
    assert page.count('id="evidence"') == 1


def test_an_expired_special_case_stops_covering_its_item_on_every_page(
    admin_client, auditor_client, connection
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None, title="Disk full")
    evaluate()
    case = SpecialCase.objects.create(
        check_state=CheckState.objects.get(key=CLOSED_KEY),
        item_key=f"incident:{incident.pk}",
        label="#1 Disk full",
        reason="Vendor ticket 42",
        expires_at=timezone.now() + timedelta(days=1),
    )
    evaluate()
    failing_list = f"/incidents/?check={CLOSED_KEY}"
    assert "Active" in admin_client.get(f"/checks/{CLOSED_KEY}/").content.decode()
    assert "Special case" in auditor_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Disk full" not in auditor_client.get(failing_list).content.decode()

    SpecialCase.objects.filter(pk=case.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    check_page = admin_client.get(f"/checks/{CLOSED_KEY}/").content.decode()
    assert "Expired" in check_page and ">End</button>" not in check_page
    assert "✗ Failing" in auditor_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Disk full" in auditor_client.get(failing_list).content.decode()
