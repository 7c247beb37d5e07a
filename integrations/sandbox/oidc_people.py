"""Who the sandbox's OpenID provider (`oidc`) knows, and the settings and banner lines that
point the app at it. Like everything under `integrations/sandbox`, no Django, no product code."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

PREFIX: Final = "/oidc"
# The groups EvidenceHub's `make run` maps to its roles (OIDC_ROLE_GROUPS), in that format.
ROLE_GROUPS: Final = "evidencehub-admins=admin,evidencehub-auditors=auditor,evidencehub-staff=staff"


@dataclass(frozen=True)
class Person:
    """Someone the tester can sign in as; `key` is the consent form's value and the `sub`."""

    key: str
    name: str
    email: str
    groups: tuple[str, ...]
    email_verified: bool = True

    def label(self) -> str:
        return f"{self.name} <{self.email}> (groups: {', '.join(self.groups) or 'none'})"

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.key,
            "name": self.name,
            "email": self.email,
            "email_verified": self.email_verified,
            "groups": list(self.groups),
        }


# One per EvidenceHub role (the emails of `make run`'s demo users, so SSO signs into them), the
# admin also in the staff group (the highest role wins), a newcomer EvidenceHub does not know yet
# (created on first sign-in) and one whose groups grant nothing (refused).
DEMO_PEOPLE: Final = (
    Person(
        "ada", "Ada Admin", "admin@evidencehub.test", ("evidencehub-admins", "evidencehub-staff")
    ),
    Person("avery", "Avery Auditor", "auditor@evidencehub.test", ("evidencehub-auditors",)),
    Person("sam", "Sam Staff", "staff@evidencehub.test", ("evidencehub-staff",)),
    Person("nico", "Nico Newcomer", "newcomer@evidencehub.test", ("evidencehub-staff",)),
    Person("otto", "Otto Outsider", "outsider@evidencehub.test", ("contractors",)),
)


def client_credentials(derive: Callable[[str], uuid.UUID]) -> tuple[str, str]:
    """The registered client's ID and secret, fixed by the sandbox's seed."""
    return str(derive("oidc_client_id")), derive("oidc_client_secret").hex * 2


def env(base_url: str, client_id: str, client_secret: str) -> dict[str, str]:
    """The product's settings that make "Sign in with single sign-on" use this provider."""
    return {
        "OIDC_ISSUER": base_url + PREFIX,
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": client_secret,
        "OIDC_ROLE_GROUPS": ROLE_GROUPS,
    }


def lines(base_url: str, client_id: str) -> list[str]:
    return [
        f"OpenID provider  {base_url}{PREFIX}  (Sign in with single sign-on)",
        f"  client id                   {client_id}",
        *(f"  {person.label()}" for person in DEMO_PEOPLE),
    ]
