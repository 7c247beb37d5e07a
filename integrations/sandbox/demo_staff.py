"""A demo staff directory that matches the sandbox's people, for `make run`.

Built from every emulator's people of the day (`Mounted.people`), so that once both sandboxes are
critical systems each access check fails for a reason a new user can see and fix:
- two people are offboarded but keep their accounts ("... access should be removed");
- two accounts have nobody in the directory: the last person of each emulator (an unknown
  account), and one more to mark Not a person ("User should be identified");
- one admin upstream works in Support, so once Support may only hold a user role the valid-access
  check fails for them;
- nothing is configured yet ("Rules for who can access critical systems should be configured").
Like the rest of the sandbox it imports neither Django nor product code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, timedelta

HEADER = ("name", "email", "org_role", "status", "last_working_day", "manager_email")
PRIVILEGED = {"owner", "admin"}
ROLES_OF_OTHERS = ("Engineering", "Engineering", "Support", "Finance", "Engineering", "SRE")
OFFBOARDED_AT = (5, 9)  # positions (among each emulator's people) of who left
LEFT_OUT_LAST = 1  # each emulator's last person has no one in the directory
LEFT_OUT_AT = 7  # ... nor this one of the first emulator (a shared account to mark Not a person)


def demo_staff_rows(people: Sequence[Sequence[tuple[str, str, str]]], today: date) -> list[dict]:
    rows: dict[str, dict[str, str]] = {}
    manager = ""
    support_admin_given = False
    for emulator, listed in enumerate(people):
        for position, (name, email, role) in enumerate(listed):
            address = email.strip().lower()
            if not address or address in rows:
                continue
            if position >= len(listed) - LEFT_OUT_LAST or (
                emulator == 0 and position == LEFT_OUT_AT
            ):
                continue
            privileged = role.lower() in PRIVILEGED
            org_role = "SRE" if privileged else ROLES_OF_OTHERS[position % len(ROLES_OF_OTHERS)]
            if privileged and position > 0 and not support_admin_given:
                org_role, support_admin_given = "Support", True
            status, last_day = "active", ""
            if position in OFFBOARDED_AT:
                status = "offboarded"
                last_day = (today - timedelta(days=14 * (position // 4 + 1))).isoformat()
            rows[address] = {
                "name": name,
                "email": address,
                "org_role": org_role,
                "status": status,
                "last_working_day": last_day,
                "manager_email": manager if manager != address else "",
            }
            manager = manager or address
    return list(rows.values())


def demo_staff_csv(people: Sequence[Sequence[tuple[str, str, str]]], today: date) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(demo_staff_rows(people, today))
    return out.getvalue()
