"""Rules, as the notification channels hear of them: the incident SLA policy and a critical
system's valid access type, each with what changed (before → after); nothing when a save is
refused or changes nothing."""

from __future__ import annotations

import pytest

from access.models import CriticalSystem, OrgRole
from lib.events import EventType
from tests.conftest import make_connection
from tests.notifications.emitted import collected

pytestmark = pytest.mark.django_db
SLAS = {"high_sla_hours": 24, "medium_sla_hours": 72, "low_sla_hours": 168}


def test_the_sla_policy_change_says_before_and_after(admin_client) -> None:  # type: ignore[no-untyped-def]
    with collected() as events:
        response = admin_client.post(
            "/settings/incidents/", {**SLAS, "high_sla_hours": 8, "close_check_uses_sla": "on"}
        )
    assert response.status_code == 302
    event = events.one(EventType.SLA_POLICY_CHANGED)
    assert event.alias == "incident-policy:changed"
    assert event.message == "Incident SLA policy changed: High 24 → 8 h, 1 option"
    assert "High priority SLA (hours): 24 → 8" in event.description
    assert "fails only when open longer than its SLA: No → Yes" in event.description
    assert "Medium" not in event.description
    assert event.links == (("Incident policy", "/settings/incidents/"),)


def test_a_refused_stale_or_unchanged_policy_save_tells_nobody(admin_client) -> None:  # type: ignore[no-untyped-def]
    admin_client.post("/settings/incidents/", {**SLAS, "low_sla_hours": 100})  # version 1
    with collected() as events:
        invalid = admin_client.post("/settings/incidents/", {**SLAS, "high_sla_hours": 0})
        stale = admin_client.post(
            "/settings/incidents/", {**SLAS, "high_sla_hours": 4, "version": 0}
        )
        admin_client.post("/settings/incidents/", {**SLAS, "low_sla_hours": 100, "version": 1})
    assert "An SLA is between 1 hour" in invalid.content.decode()
    assert "meanwhile" in stale.content.decode()
    assert events.of(EventType.SLA_POLICY_CHANGED) == []


def test_a_valid_access_type_change_says_what_changed(admin_client) -> None:  # type: ignore[no-untyped-def]
    system = CriticalSystem.objects.create(connection=make_connection())
    sre, finance = OrgRole.objects.create(name="SRE"), OrgRole.objects.create(name="Finance")
    url = f"/access/systems/{system.pk}/"
    with collected() as events:
        admin_client.post(url, {"access_type": "all_staff"})
        admin_client.post(url, {"access_type": "all_staff"})  # the same again: no news
        admin_client.post(url, {"access_type": "role_based"})  # refused: no role ticked
        admin_client.post(
            url,
            {
                "access_type": "role_based",
                f"role_{sre.pk}": "on",
                f"upstream_{sre.pk}": ["Admin"],
                f"role_{finance.pk}": "on",
            },
        )
        admin_client.post(url, {"access_type": "role_based", f"role_{sre.pk}": "on"})
    changes = events.of(EventType.ACCESS_RULES_CHANGED)
    assert len(changes) == 3
    first, second, third = changes
    assert first.alias == f"critical-system:{system.pk}:access-rules"
    assert first.message == "Valid access to OpsGenie changed: All staff"
    assert "Valid access type: Not configured → All staff" in first.description
    assert "alice-admin changed who may have an account on OpsGenie" in first.description
    assert first.links == (("Critical system", url),)
    assert "Valid access type: All staff → Staff role-based" in second.description
    assert "- Finance: may now have an account (any upstream role)" in second.description
    assert "- SRE: may now have an account (Admin)" in second.description
    assert "Valid access type" not in third.description
    assert "- Finance: may no longer have an account" in third.description
    assert "- SRE: Admin → any upstream role" in third.description
