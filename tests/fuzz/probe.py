"""Send one input and judge the answer: never a 500, and a refusal is said on the page.

"Refused" is decided by the database itself (rows written, as the URL walk counts them), not by
guessing from the page: a POST that wrote nothing must show why (an alert, the form's error
summary, a message after the redirect); one that shows an error must have written nothing."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.http import HttpResponse
from django.test import Client

from tests.accounts.test_url_walk_every_method import _changes

ROOT = str(Path(__file__).resolve().parents[2])
# What the project uses to say something: role="alert" (form error summaries, the error pages,
# "filter values ignored"), and Django messages after a redirect.
SAID = re.compile(r'role="alert"|<ul class="messages"')
ERROR_SHOWN = re.compile(r'class="alert error form-errors"|id="error-page"')


@dataclass
class Tally:
    forms: int = 0
    fields: int = 0
    get_params: int = 0
    requests: int = 0
    server_errors: int = 0
    accepted: int = 0  # POSTs that wrote something
    refusals_said: int = 0  # POSTs that wrote nothing and said why
    problems: list[str] = field(default_factory=list)


def _where(exc: BaseException) -> str:
    """The innermost frame of the project's own code: the view or form that raised."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.startswith(ROOT) and not re.search(r"/(\.venv|tests)/", f.filename)
    ]
    return f"{frames[-1].filename[len(ROOT) + 1 :]}:{frames[-1].lineno}" if frames else "?"


def text(response: HttpResponse) -> str:
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return ""
    return response.content.decode(errors="replace")


def send(
    tally: Tally, client: Client, method: str, url: str, data: object, cell: str
) -> HttpResponse | None:
    """One request, in a savepoint so a database error cannot poison the ones after it."""
    tally.requests += 1
    try:
        with transaction.atomic():
            if method == "GET":
                return client.get(url, data)
            return client.post(url, data)
    except Exception as exc:  # noqa: BLE001 - the test client re-raises what made a 500
        tally.server_errors += 1
        raised = f"{type(exc).__name__}: {str(exc)[:150]!r}"
        tally.problems.append(f"500 {cell}: {raised} at {_where(exc)}")
        return None


def judge_get(tally: Tally, response: HttpResponse | None, cell: str) -> None:
    if response is not None and response.status_code >= 500:
        tally.server_errors += 1
        tally.problems.append(f"{response.status_code} {cell}")


def judge_post(
    tally: Tally, client: Client, response: HttpResponse | None, before: int, cell: str
) -> bool:
    """Whether the input was accepted (something was written); records what is wrong."""
    if response is None:
        return False
    if response.status_code >= 500:
        tally.server_errors += 1
        tally.problems.append(f"{response.status_code} {cell}")
        return False
    wrote = _changes() != before
    page = text(response)
    if wrote:
        tally.accepted += 1
        if ERROR_SHOWN.search(page):
            tally.problems.append(f"refused but wrote to the database: {cell}")
        return True
    if response.status_code in (301, 302, 303):
        page = text(client.get(response["Location"]))
    if not SAID.search(page):
        tally.problems.append(
            f"silent: {response.status_code}, wrote nothing, said nothing: {cell}"
        )
    else:
        tally.refusals_said += 1
    return False
