from django.apps import AppConfig


class JsmConfig(AppConfig):
    """An app only so that its templates/ and static/ are found like any app's."""

    name = "integrations.providers.jsm"
    label = "jsm"
    verbose_name = "Jira Service Management"
