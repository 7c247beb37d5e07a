"""Files people attach as evidence: the kinds we keep, checked by name and, where it is cheap, by
content; and names that say nothing refused instead of silently dropped.

Django's multipart parser drops a file part whose name is empty once path separators and
unprintable characters are removed ("..", "/", "a/.."): the form then sees no file at all and a
special case was saved without the file the admin attached. ``KeepUnusableUploadNames`` (a
middleware: the CSRF check parses the body before any view runs) keeps such a part under
``UNUSABLE_NAME`` so the form can refuse it with a message.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList

# Unprintable (U+2060 WORD JOINER), so no name the parser keeps can be this one.
UNUSABLE_NAME = "\u2060unusable-name"
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    # Whether the content is what the name says (the upload, at its start).
    looks_right: Callable[[IO[bytes]], bool]


def _starts_with(magic: bytes) -> Callable[[IO[bytes]], bool]:
    def check(file: IO[bytes]) -> bool:
        return file.read(len(magic)) == magic

    return check


def _pdf(file: IO[bytes]) -> bool:
    """PDF readers accept the %PDF header anywhere in the first kilobyte."""
    return b"%PDF" in file.read(1024)


def _text(file: IO[bytes]) -> bool:
    """Text in any encoding has no NUL byte; an executable or an image renamed .txt has."""
    return b"\x00" not in file.read(SNIFF_BYTES)


def _office(folder: str) -> Callable[[IO[bytes]], bool]:
    """A DOCX or XLSX is a ZIP (Office Open XML) with its content types and its folder."""

    def check(file: IO[bytes]) -> bool:
        if file.read(4) != b"PK\x03\x04":
            return False
        file.seek(0)
        try:
            names = zipfile.ZipFile(file).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


_JPEG = Kind("JPEG", "image/jpeg", _starts_with(b"\xff\xd8\xff"))
KINDS: dict[str, Kind] = {
    ".pdf": Kind("PDF", "application/pdf", _pdf),
    ".png": Kind("PNG", "image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".txt": Kind("TXT", "text/plain", _text),
    ".csv": Kind("CSV", "text/csv", _text),
    ".docx": Kind(
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _office("word/"),
    ),
    ".xlsx": Kind(
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _office("xl/"),
    ),
    ".eml": Kind("EML", "message/rfc822", _text),
}
ALLOWED_TEXT = "PDF, PNG, JPEG, TXT, CSV, DOCX, XLSX and EML"


def kind_of(name: str) -> Kind | None:
    """The kind a file's name says it is, when it is one we keep."""
    return KINDS.get(PurePath(name).suffix.lower())


def unusable_name_problem(upload: UploadedFile) -> str:
    """Why the upload's name cannot be stored, or ""."""
    if upload.name == UNUSABLE_NAME:
        return (
            "This file’s name cannot be used: nothing is left of it once unsafe characters "
            "are removed. Rename the file and choose it again."
        )
    try:
        default_storage.get_valid_name(upload.name or "")
    except SuspiciousFileOperation:
        return (
            "This file’s name cannot be used. Rename the file (letters, digits) and choose it "
            "again."
        )
    return ""


def attachment_problem(upload: UploadedFile, *, max_bytes: int) -> str:
    """Why ``upload`` cannot be kept as evidence, or "" when it can: its name, its size, a kind
    we keep by its name, and content that is what the name says."""
    problem = unusable_name_problem(upload)
    if problem:
        return problem
    if upload.size is not None and upload.size > max_bytes:
        return f"The file is larger than {max_bytes / (1024 * 1024):g} MB."
    kind = kind_of(upload.name or "")
    if kind is None:
        return f"Only {ALLOWED_TEXT} files can be attached: “{upload.name}” is none of them."
    upload.seek(0)
    try:
        right = kind.looks_right(upload)
    finally:
        upload.seek(0)
    if not right:
        return (
            f"The content of “{upload.name}” is not {kind.label}: attach the original file, "
            "not one renamed."
        )
    return ""


def _parse_keeping_unusable_names(
    request: HttpRequest, META: dict[str, Any], post_data: IO[bytes]
) -> tuple[Any, Any]:
    """HttpRequest.parse_file_upload, with the parser below."""
    request.upload_handlers = ImmutableList(
        request.upload_handlers,
        warning="You cannot alter upload handlers after the upload has been processed.",
    )
    parser = _KeepUnusableNames(META, post_data, request.upload_handlers, request.encoding)
    return parser.parse()


class _KeepUnusableNames(MultiPartParser):
    def sanitize_file_name(self, file_name: str) -> str:
        # Only called for a name that was given: an empty file input sends none and stays
        # "no file".
        return super().sanitize_file_name(file_name) or UNUSABLE_NAME


class KeepUnusableUploadNames:
    """Middleware: multipart bodies are parsed with ``_KeepUnusableNames``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.content_type == "multipart/form-data":

            def parse(META: dict[str, Any], post_data: IO[bytes]) -> tuple[Any, Any]:
                return _parse_keeping_unusable_names(request, META, post_data)

            request.parse_file_upload = parse  # type: ignore[method-assign]
        return self.get_response(request)
