from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page: checks, incident trends and integration health, read from every app below
    it and owned by none of them."""

    name = "dashboard"
    verbose_name = "Dashboard"
