"""What connecting a provider shares: who connects, and the refusal a flow raises instead of
saving anything."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from integrations.validation import ValidationFailure

# Who connects: the signed-in admin, or None from the command line.
Actor = AbstractBaseUser | AnonymousUser | None


class ConnectRefused(Exception):
    """Nothing was connected; ``failure`` says why, ``status`` is the page's HTTP status."""

    def __init__(self, failure: ValidationFailure, *, status: int = 200) -> None:
        super().__init__(failure.message)
        self.failure, self.status = failure, status
