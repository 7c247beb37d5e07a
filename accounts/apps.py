from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from axes.models import AccessAttempt
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model

        from accounts.events import user_deleted_receiver
        from accounts.lockout import record_lockout, record_unlock
        from accounts.middleware import mark_signed_in
        from accounts.roles import sync_role_groups_after_migrate

        post_migrate.connect(sync_role_groups_after_migrate, sender=self)
        user_locked_out.connect(record_lockout, dispatch_uid="accounts.record_lockout")
        post_delete.connect(record_unlock, sender=AccessAttempt, dispatch_uid="accounts.unlock")
        user_logged_in.connect(mark_signed_in, dispatch_uid="accounts.mark_signed_in")
        # The app deactivates; the Django admin (or a shell) can still delete a user.
        post_delete.connect(
            user_deleted_receiver, sender=get_user_model(), dispatch_uid="accounts.user_deleted"
        )
        _hide_device_admin()


def _hide_device_admin() -> None:
    """django-otp's admin pages show each authenticator's secret key and QR code, and every
    recovery code: devices are managed on the Account page and reset on Settings → Users."""
    from django.contrib import admin
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
