"""Reads of the staff directory: the list page, who already uses an email, and who reports to
whom (for refusing manager cycles). The form and the CSV import both call these, so a person
added by hand and one imported are held to the same rules."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from access.models import OrgRole, StaffMember
from lib.search import fold

PER_PAGE = 50
NO_ORG_ROLE = "none"


def staff_page(
    *, page: str | int | None, search: str = "", status: str = "", org_role: str = ""
) -> Page:
    """A page of people in name order, with their org role and manager: two queries (the count
    and the page) whatever the page or the size of the directory."""
    people: QuerySet[StaffMember] = StaffMember.objects.select_related("org_role", "manager")
    if search:
        people = people.filter(search_text__contains=fold(search.strip()))
    if status:
        people = people.filter(status=status)
    if org_role == NO_ORG_ROLE:
        people = people.filter(org_role__isnull=True)
    elif org_role:
        people = people.filter(org_role_id=org_role)
    people = people.only(
        "name",
        "email",
        "alias_emails",
        "status",
        "last_working_day",
        "offboarded_on",
        "org_role__name",
        "manager__name",
        "manager__email",
    )
    return Paginator(people, PER_PAGE).get_page(page)


def org_roles_with_counts() -> QuerySet[OrgRole]:
    return OrgRole.objects.annotate(people=Count("staff")).order_by("name")


@dataclass(frozen=True)
class EmailOwner:
    person_id: int
    name: str
    email: str  # the person's main email
    is_alias: bool


def emails_in_use(*, excluding: int | None = None) -> dict[str, EmailOwner]:
    """Every email of the directory (main and alias, lower-cased) → whose it is; a main email
    wins over another person's alias. Two queries: the main emails, then the aliases of the
    few people who have any (decoding every person's empty alias list was a fifth of the
    accounts stream's matching, make bench)."""
    owners: dict[str, EmailOwner] = {}
    people = StaffMember.objects.all()
    if excluding is not None:
        people = people.exclude(pk=excluding)
    mains: dict[int, EmailOwner] = {}
    for pk, name, email in people.values_list("pk", "name", "email").iterator(chunk_size=2000):
        owners[email.lower()] = mains[pk] = EmailOwner(pk, name, email, is_alias=False)
    with_aliases = people.exclude(alias_emails=[]).values_list("pk", "alias_emails")
    for pk, aliases in with_aliases.iterator(chunk_size=2000):
        main = mains.get(pk)
        if main is None:  # added between the two reads: known at the next look
            continue
        for alias in aliases or ():
            owners.setdefault(
                str(alias).lower(), EmailOwner(pk, main.name, main.email, is_alias=True)
            )
    return owners


def manager_graph() -> dict[int, int | None]:
    """Person id → their manager's id, for everyone. One query."""
    return dict(StaffMember.objects.values_list("pk", "manager_id"))
