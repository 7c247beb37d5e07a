"""A special case's supporting file is evidence an auditor downloads: only kinds we keep (PDF, PNG,
JPEG, TXT, CSV, DOCX, XLSX, EML), whose content is what the name says, up to a size; always
served as a download that no browser sniffs or renders. A refused file saves nothing."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from access.models import StaffImportUpload, StaffMember
from checks.engine import evaluate
from checks.models import SpecialCase
from incidents.checks import CLOSED_KEY
from tests.checks.conftest import make

pytestmark = pytest.mark.django_db
URL = f"/checks/{CLOSED_KEY}/special-cases/"
ALLOWED = "Only PDF, PNG, JPEG, TXT, CSV, DOCX, XLSX and EML files can be attached"


def _office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<doc/>")
    return buffer.getvalue()


GOOD = {
    "ticket.pdf": (b"%PDF-1.7\nproof", "application/pdf"),
    "screen.png": (b"\x89PNG\r\n\x1a\n....", "image/png"),
    "photo.JPG": (b"\xff\xd8\xff\xe0....", "image/jpeg"),
    "notes.txt": ("Vendor confirmed the outage — été".encode("cp1252"), "text/plain"),
    "export.csv": (b"id,status\n1,closed\n", "text/csv"),
    "minutes.docx": (_office("word/"), "application/vnd.openxmlformats-officedocument"),
    "register.xlsx": (_office("xl/"), "application/vnd.openxmlformats-officedocument"),
    "approval.eml": (b"From: a@example.com\r\nSubject: ok\r\n\r\nApproved.", "message/rfc822"),
}


@pytest.fixture
def failing(connection, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    return incident


def _form(incident, **fields):  # type: ignore[no-untyped-def]
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {
        "item_keys": f"incident:{incident.pk}",
        "reason": "Vendor outage",
        "expires_on": expires,
        **fields,
    }


def _stored_files(root: str) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


@pytest.mark.parametrize("name", list(GOOD))
def test_a_kind_we_keep_is_saved_and_served_as_a_download(
    admin_client: Client, failing, settings, name: str
) -> None:  # type: ignore[no-untyped-def]
    content, content_type = GOOD[name]
    admin_client.post(URL, _form(failing, attachment=SimpleUploadedFile(name, content)))
    case = SpecialCase.objects.get()
    response = admin_client.get(f"/checks/{CLOSED_KEY}/special-cases/{case.pk}/attachment/")
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith(content_type)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00", ALLOWED),
        ("page.html", b"<html><script>alert(1)</script></html>", ALLOWED),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', ALLOWED),
        ("no-extension", b"%PDF-1.7", ALLOWED),
        (
            "ticket.pdf",
            b"<html><script>alert(1)</script></html>",
            "is not PDF: attach the original file",
        ),
        ("photo.png", b"\xff\xd8\xff\xe0 a JPEG", "is not PNG: attach the original file"),
        ("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00", "is not TXT: attach the original file"),
        ("register.xlsx", _office("word/"), "is not XLSX: attach the original file"),
        ("minutes.docx", b"PK\x03\x04 not a zip at all", "is not DOCX: attach the original file"),
    ],
)
def test_another_kind_or_a_disguised_file_is_refused_and_nothing_saved(
    admin_client: Client, failing, settings, name: str, content: bytes, message: str
) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(URL, _form(failing, attachment=SimpleUploadedFile(name, content)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The special case was not saved" in page and message in page
    assert "Vendor outage" in page  # the reason typed is kept
    assert not SpecialCase.objects.exists()
    assert not _stored_files(settings.MEDIA_ROOT)


def test_a_file_over_the_limit_is_refused(admin_client: Client, failing, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.7" + b"0" * (1024 * 1024))
    page = admin_client.post(URL, _form(failing, attachment=big)).content.decode()
    assert "The file is larger than 1 MB." in page
    assert not SpecialCase.objects.exists() and not _stored_files(settings.MEDIA_ROOT)


BOUNDARY = "----evidencehub-test-boundary"


def _multipart(fields: dict[str, str], *, file_field: str, filename: str, content: bytes) -> bytes:
    """A body as a browser sends it: the file part's name exactly as given (the test client's
    own encoder would take the base name of it first)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _post_raw(client: Client, url: str, body: bytes):  # type: ignore[no-untyped-def]
    return client.generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )


@pytest.mark.parametrize("filename", ["..", "../..", "a/..", "\\\\..", "\x07\x08"])
def test_a_file_whose_name_says_nothing_is_refused_not_dropped(
    admin_client: Client, failing, settings, filename: str
) -> None:  # type: ignore[no-untyped-def]
    body = _multipart(
        _form(failing), file_field="attachment", filename=filename, content=b"%PDF-1.7 proof"
    )
    response = _post_raw(admin_client, URL, body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This file’s name cannot be used" in page
    assert not SpecialCase.objects.exists() and not _stored_files(settings.MEDIA_ROOT)


def test_no_file_chosen_is_still_no_file(admin_client: Client, failing) -> None:  # type: ignore[no-untyped-def]
    """A browser sends an empty file input as a part with filename="": nothing attached."""
    body = _multipart(_form(failing), file_field="attachment", filename="", content=b"")
    response = _post_raw(admin_client, URL, body)
    assert response.status_code == 302
    assert SpecialCase.objects.get().attachment.name == ""


def test_a_staff_file_whose_name_says_nothing_is_refused_too(admin_client: Client) -> None:
    body = _multipart(
        {}, file_field="file", filename="..", content=b"name,email\nAnn,ann@example.com\n"
    )
    response = _post_raw(admin_client, "/access/staff/import/", body)
    page = response.content.decode()
    assert "This file’s name cannot be used" in page
    assert not StaffImportUpload.objects.exists() and not StaffMember.objects.exists()
