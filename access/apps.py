from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Critical systems' user accounts, the staff directory and access checks."""

    name = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from access.checks import register_access_checks
        from access.credential_checks import evaluate_credentials, register_credential_check
        from access.review_checks import register_review_checks
        from access.staff_signals import staff_changed
        from access.store import ACCOUNTS, reads_accounts
        from integrations.services import connection_disconnected
        from integrations.sync.stores import (
            register_evaluator,
            register_store,
            register_stream_filter,
        )

        register_store("accounts", ACCOUNTS)
        register_stream_filter("accounts", reads_accounts)
        register_access_checks()
        register_review_checks()
        register_credential_check()
        # Whose credentials a connection holds changes when it is connected or edited (a save);
        # whether that person left changes with the directory.
        post_save.connect(
            evaluate_credentials, sender="integrations.Connection", dispatch_uid="cred"
        )
        staff_changed.connect(evaluate_credentials, dispatch_uid="credentials")
        register_evaluator(evaluate_after_sync)
        connection_disconnected.connect(evaluate_after_disconnect, dispatch_uid="access")
        staff_changed.connect(evaluate_after_staff_change, dispatch_uid="access")


def evaluate_after_sync(*, connection: object, streams: dict, **kwargs: object) -> None:
    """After a run that read accounts: verify the reviews' revocations against them, match
    them to the directory, then judge them."""
    if "accounts" not in streams:
        return
    from access.review_services import verify_outcomes
    from access.services import access_changed

    verify_outcomes()
    access_changed(reason="after a sync")


def evaluate_after_disconnect(**kwargs: object) -> None:
    """A disconnected critical system's accounts stop being judged now."""
    from access.services import access_changed

    access_changed(reason="an integration was disconnected")


def evaluate_after_staff_change(*, reason: str = "", **kwargs: object) -> None:
    """A person added, offboarded or given another email or org role: accounts are matched
    again by email and judged at once."""
    from access.services import access_changed

    access_changed(reason=reason or "the staff directory changed")
