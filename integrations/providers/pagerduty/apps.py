from django.apps import AppConfig


class PagerDutyConfig(AppConfig):
    """An app only so that its templates/ and static/ are found like any app's."""

    name = "integrations.providers.pagerduty"
    verbose_name = "PagerDuty"
