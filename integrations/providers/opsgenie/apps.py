from django.apps import AppConfig


class OpsgenieConfig(AppConfig):
    """An app only so that its templates/ and static/ are found like any app's."""

    name = "integrations.providers.opsgenie"
    verbose_name = "OpsGenie"
