from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Critical systems' user accounts, the staff directory and access checks."""

    name = "access"
    verbose_name = "Access"
