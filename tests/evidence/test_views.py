from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.evidence.conftest import API_KEY, read_csv, read_zip

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def test_the_page_offers_the_last_90_days_and_explains_the_zip(auditor_client) -> None:  # type: ignore[no-untyped-def]
    response = auditor_client.get("/evidence/")
    assert response.status_code == 200
    page = response.content.decode()
    today = timezone.localdate()
    assert f'value="{today.isoformat()}"' in page
    assert f'value="{(today - timedelta(days=89)).isoformat()}"' in page
    assert 'action="/evidence/download/"' in page
    for name in ("incidents.csv", "data_loss_history.csv", "sync_runs.csv", "manifest.json"):
        assert name in page
    # The list comes from the files' registry: services.csv was missing when written by hand.
    assert "services.csv" in page


def test_an_auditor_downloads_the_zip_for_the_chosen_period(auditor_client, dataset) -> None:  # type: ignore[no-untyped-def]
    response = auditor_client.get("/evidence/download/?start=2026-01-01&end=2026-03-31")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="evidence-2026-01-01-to-2026-03-31.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    archive = read_zip(_body(response))
    assert [r["upstream_id"] for r in read_csv(archive, "incidents.csv")] == ["in-1", "in-2"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["generated_by"]["username"] == "bob-auditor"
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
    assert all(API_KEY.encode() not in archive.read(name) for name in archive.namelist())


def test_an_admin_may_download_too(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.get("/evidence/download/?start=2026-01-01&end=2026-01-31")
    assert response.status_code == 200
    assert "evidence-2026-01-01-to-2026-01-31.zip" in response["Content-Disposition"]


def test_without_dates_the_download_covers_the_last_90_days(auditor_client) -> None:  # type: ignore[no-untyped-def]
    response = auditor_client.get("/evidence/download/")
    today = timezone.localdate()
    start = today - timedelta(days=89)
    assert response.status_code == 200
    assert (
        f"evidence-{start.isoformat()}-to-{today.isoformat()}.zip"
        in response["Content-Disposition"]
    )
    manifest = json.loads(read_zip(_body(response)).read("manifest.json"))
    assert (manifest["period"]["start"], manifest["period"]["end"]) == (
        start.isoformat(),
        today.isoformat(),
    )


@pytest.mark.parametrize("path", ["/evidence/", "/evidence/download/"])
def test_staff_cannot_export_evidence(staff_client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert staff_client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/evidence/", "/evidence/download/"])
def test_the_export_accepts_no_writes(auditor_client, admin_client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert auditor_client.post(path).status_code == 405
    assert admin_client.post(path).status_code == 405


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-02-30&end=2026-03-31", "Enter a valid date."),
        ("start=01/02/2026&end=2026-03-31", "Enter a valid date."),
        ("start=&end=2026-03-31", "This field is required."),
        ("start=2026-03-31&end=2026-01-01", "The end date is before the start date."),
    ],
)
def test_invalid_dates_give_a_clear_message_and_no_zip(
    auditor_client, query: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    response = auditor_client.get(f"/evidence/download/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Nothing was generated" in page
    assert message in page
    assert "Content-Disposition" not in response


def test_anonymous_users_are_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/evidence/download/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
