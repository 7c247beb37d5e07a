"""People and org roles for the staff directory's tests, made as the tests need them."""

from __future__ import annotations

from datetime import date

from access.models import OrgRole, StaffMember


def role(name: str) -> OrgRole:
    return OrgRole.objects.get_or_create(name=name)[0]


def person(  # type: ignore[no-untyped-def]
    name: str, email: str, *, org_role: str | None = None, **fields
) -> StaffMember:
    return StaffMember.objects.create(
        name=name, email=email, org_role=role(org_role) if org_role else None, **fields
    )


def snapshot() -> list[tuple]:
    """The whole directory, to prove a refused write changed nothing."""
    return [
        *StaffMember.objects.order_by("pk").values_list(
            "pk",
            "name",
            "email",
            "alias_emails",
            "org_role_id",
            "status",
            "last_working_day",
            "offboarded_on",
            "manager_id",
        ),
        *OrgRole.objects.order_by("pk").values_list("pk", "name"),
        StaffMember.history.count(),
    ]


TODAY = date.today()
