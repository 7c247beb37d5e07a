from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from encrypted_model_fields.fields import EncryptedTextField


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    ERROR = "error", "Error"
    DISCONNECTED = "disconnected", "Disconnected"


class ErrorAction(models.TextChoices):
    """What the admin must do about the last error; shown beside it on the connection page."""

    NONE = "", "Nothing"
    REENTER_KEY = "reenter_key", "Re-enter the API key"
    FIX_PERMISSIONS = "fix_permissions", "Fix the key's permissions"
    SELECT_REGION = "select_region", "Select the other region"
    UPGRADE_PLAN = "upgrade_plan", "Use an account whose plan includes the API"
    RETRY = "retry", "Try again later"


class Connection(models.Model):
    """One account of one provider. Disconnecting keeps the row (and the evidence synced from it).

    Credentials are a JSON object encrypted at rest (Fernet, FIELD_ENCRYPTION_KEY); only
    ``credential_hint`` (the key's last four characters) is ever rendered.
    """

    provider = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=20, choices=ConnectionStatus.choices)
    region = models.CharField(max_length=8)
    credentials = EncryptedTextField()
    credential_hint = models.CharField(max_length=8, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    last_error = models.TextField(blank=True)
    last_error_action = models.CharField(
        max_length=20, choices=ErrorAction.choices, blank=True, default=ErrorAction.NONE
    )
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("manage_connection", "Can connect, edit and disconnect integrations")]

    def __str__(self) -> str:
        return f"{self.provider} ({self.get_status_display()})"

    def get_credentials(self) -> dict[str, Any]:
        return json.loads(self.credentials)

    def set_credentials(self, values: dict[str, Any], *, hint: str) -> None:
        self.credentials = json.dumps(values)
        self.credential_hint = hint

    @property
    def is_active(self) -> bool:
        """Connected or in error: the admin still wants it; only Disconnected stops everything."""
        return self.status != ConnectionStatus.DISCONNECTED
