"""PagerDuty (REST API v2)."""
