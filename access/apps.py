from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Critical systems' user accounts, the staff directory and access checks."""

    name = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from access.checks import register_access_checks
        from access.review_checks import register_review_checks
        from access.store import ACCOUNTS, reads_accounts
        from integrations.sync.stores import (
            register_evaluator,
            register_store,
            register_stream_filter,
        )

        register_store("accounts", ACCOUNTS)
        register_stream_filter("accounts", reads_accounts)
        register_access_checks()
        register_review_checks()
        register_evaluator(evaluate_after_sync)


def evaluate_after_sync(*, connection: object, streams: dict, **kwargs: object) -> None:
    """After a run that read accounts: verify the reviews' revocations against them, match
    them to the directory, then judge them."""
    if "accounts" not in streams:
        return
    from access.review_services import verify_outcomes
    from access.services import access_changed

    verify_outcomes()
    access_changed(reason="after a sync")
