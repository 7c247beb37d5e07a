"""One row of a critical system's accounts table, drawn in Python (lib/row_html.py says why):
the same cells templates/access/system.html drew with tags and filters."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from access.mapping import category
from access.models import Account
from lib.row_html import day_text, escape

# The columns account_row reads, and no more (the page reads its rows with only() these: the
# other columns, dates, teams and hashes, were read, converted and dropped for every row).
# A field read below and missing here costs a query per row (tests/access/test_system_page_rows.py).
ROW_FIELDS = (
    "email",
    "name",
    "role",
    "removed_at",
    "blocked",
    "invitation_pending",
    "mapping__kind",
    "mapping__staff__name",
    "mapping__staff__status",
    "mapping__staff__org_role__name",
)
ROW = """<tr><td><a href="{url}">{email}</a></td><td>{name}</td><td>{role}</td>
        <td>{belongs_to}</td>
        <td>{category}</td>
        <td>{state}</td></tr>
"""


def account_row(account: Account, *, url: str) -> SafeString:
    """``account`` with its mapping, the mapping's person and their org role read."""
    mapping = getattr(account, "mapping", None)
    staff = mapping.staff if mapping is not None else None
    belongs_to = "—"
    if staff is not None:
        belongs_to = escape(staff.name)
        if staff.org_role is not None:
            belongs_to += f' <span class="hint">({escape(staff.org_role.name)})</span>'
    if account.removed_at:
        state = f"Removed on {day_text(account.removed_at)}"
    elif account.blocked:
        state = "Blocked"
    elif account.invitation_pending:
        state = "Invitation pending"
    else:
        state = "Active"
    return mark_safe(  # noqa: S308 - every value below is escaped
        ROW.format(
            url=escape(url),
            email=escape(account.email or "(no email)"),
            name=escape(account.name),
            role=escape(account.role or "—"),
            belongs_to=belongs_to,
            category=escape(category(mapping)),
            state=escape(state),
        )
    )
