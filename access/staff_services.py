"""Writes of the staff directory made by hand: a person, an org role. Each commits, then tells
the rest of access management through ``staff_changed`` (access/staff_signals.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from access.models import AllowedRole, OrgRole, StaffMember
from access.staff_forms import OrgRoleForm, StaffMemberForm
from access.staff_rules import offboarded_on_after
from access.staff_signals import staff_changed
from lib.concurrency import VERSION, claim_version, save_unique


def staff_member_save(*, form: StaffMemberForm) -> StaffMember:
    """Save a valid form (add or edit). Who made the change is recorded in the person's history
    by django-simple-history's request middleware. An edit saves only over the version it was
    loaded with: ChangedMeanwhile (nothing saved) when someone saved the person since;
    RefusedMeanwhile when someone took the email since the form checked it."""
    person = form.save(commit=False)
    person.alias_emails = form.cleaned_data["alias_emails_text"]
    person.manager = form.cleaned_data["manager_email"]
    person.offboarded_on = offboarded_on_after(
        status=person.status, offboarded_on=person.offboarded_on, today=timezone.localdate()
    )

    def save() -> StaffMember:
        claim_version(person, form.cleaned_data[VERSION])
        person.save()
        return person

    # Two people adding one email at once: the late one is told the email is taken.
    save_unique(form, save)
    staff_changed.send(
        sender=StaffMember, staff_ids=[person.pk], reason="after a staff member was saved"
    )
    return person


def org_role_save(*, form: OrgRoleForm) -> OrgRole:
    return save_unique(form, form.save)


@dataclass(frozen=True)
class InUse:
    people: int
    rules: int

    def __bool__(self) -> bool:
        return bool(self.people or self.rules)

    def __str__(self) -> str:
        parts = []
        if self.people:
            parts.append(f"{self.people} {'person has' if self.people == 1 else 'people have'} it")
        if self.rules:
            parts.append(
                f"{self.rules} critical system{'s' if self.rules != 1 else ''} "
                f"allow{'s' if self.rules == 1 else ''} it in their valid access"
            )
        return " and ".join(parts)


def org_role_in_use(role: OrgRole) -> InUse:
    return InUse(
        people=StaffMember.objects.filter(org_role=role).count(),
        rules=AllowedRole.objects.filter(org_role=role).count(),
    )


def org_role_delete(*, role: OrgRole) -> InUse:
    """Delete an org role nobody has and no valid access names; else delete nothing and say
    what uses it (a rule would otherwise vanish with it, silently widening or narrowing
    access)."""
    with transaction.atomic():
        in_use = org_role_in_use(role)
        if in_use:
            return in_use
        try:
            role.delete()
        except ProtectedError:
            # Given to someone between the count and the delete.
            return org_role_in_use(role) or InUse(people=1, rules=0)
    return in_use
