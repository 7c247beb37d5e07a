"""access.staff_selectors.emails_in_use: every email of the directory, main and alias, to whose
it is; what accounts are matched by and what the staff forms refuse as taken."""

from __future__ import annotations

import pytest

from access.models import StaffMember
from access.staff_selectors import EmailOwner, emails_in_use


@pytest.mark.django_db
def test_main_emails_and_aliases_name_their_person_and_a_main_email_wins() -> None:
    ann = StaffMember.objects.create(
        name="Ann", email="ann@example.com", alias_emails=["A.Ops@Example.com", "bob@example.com"]
    )
    bob = StaffMember.objects.create(name="Bob", email="bob@example.com")
    cy = StaffMember.objects.create(
        name="Cy", email="cy@example.com", alias_emails=["a.ops@example.com"]
    )

    owners = emails_in_use()

    assert owners == {
        "ann@example.com": EmailOwner(ann.pk, "Ann", "ann@example.com", is_alias=False),
        "a.ops@example.com": owners["a.ops@example.com"],
        # Bob's own email is his, though Ann lists it among her other emails.
        "bob@example.com": EmailOwner(bob.pk, "Bob", "bob@example.com", is_alias=False),
        "cy@example.com": EmailOwner(cy.pk, "Cy", "cy@example.com", is_alias=False),
    }
    # An alias two people list is one person's, named with that person's main email.
    shared = owners["a.ops@example.com"]
    assert shared.is_alias and (shared.person_id, shared.name, shared.email) in {
        (ann.pk, "Ann", "ann@example.com"),
        (cy.pk, "Cy", "cy@example.com"),
    }


@pytest.mark.django_db
def test_excluding_a_person_leaves_out_their_emails_and_aliases() -> None:
    ann = StaffMember.objects.create(
        name="Ann", email="ann@example.com", alias_emails=["x@example.com"]
    )
    StaffMember.objects.create(name="Bob", email="bob@example.com")

    assert set(emails_in_use(excluding=ann.pk)) == {"bob@example.com"}
    assert set(emails_in_use()) == {"ann@example.com", "x@example.com", "bob@example.com"}
