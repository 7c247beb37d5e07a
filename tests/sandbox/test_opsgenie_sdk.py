"""The official client must work against the sandbox with nothing changed but its host."""

from __future__ import annotations

import opsgenie_sdk
import pytest

from integrations.sandbox.server import SandboxServer


def _incident_api(sandbox: SandboxServer, key: str) -> opsgenie_sdk.IncidentApi:
    conf = opsgenie_sdk.configuration.Configuration()
    conf.host = sandbox.opsgenie_url("us")
    # Configuration() is a shallow copy of a process-wide default, so assigning into its
    # api_key dict would leak this key into every later Configuration; give it its own dicts.
    conf.api_key = {"Authorization": key}
    conf.api_key_prefix = {"Authorization": "GenieKey"}
    conf.retry_enabled = False  # a failure must surface now, not after the SDK's backoff
    return opsgenie_sdk.IncidentApi(opsgenie_sdk.api_client.ApiClient(conf))


def test_the_official_opsgenie_sdk_lists_incidents_when_only_its_host_changes(
    sandbox: SandboxServer,
):
    api = _incident_api(sandbox, sandbox.keys.opsgenie_us)
    wanted = {"open", "resolved"}
    expected = {i["id"] for i in sandbox.opsgenie_stores["us"].incidents() if i["status"] in wanted}

    seen: list[str] = []
    offset, limit = 0, 7
    while True:
        page = api.list_incidents(
            query="status:open OR status:resolved", limit=limit, offset=offset
        )
        seen += [incident.id for incident in page.data]
        assert all(incident.status in wanted for incident in page.data)
        if not page.paging.next:
            break
        offset += limit

    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    assert len(expected) > limit  # several pages were really walked


def test_the_official_opsgenie_sdk_reads_one_incident_by_tiny_id(sandbox: SandboxServer):
    api = _incident_api(sandbox, sandbox.keys.opsgenie_us)

    response = api.get_incident("1", identifier_type="tiny")

    assert response.data.tiny_id == "1"
    assert response.data.created_at.tzinfo is not None


def test_the_official_opsgenie_sdk_sees_the_other_regions_key_rejected(sandbox: SandboxServer):
    api = _incident_api(sandbox, sandbox.keys.opsgenie_eu)

    with pytest.raises(opsgenie_sdk.exceptions.AuthenticationException) as raised:
        api.list_incidents(query="status:open")

    assert raised.value.status == 401


def test_the_official_opsgenie_sdk_creates_and_closes_an_alert_by_alias(sandbox: SandboxServer):
    conf = _incident_api(sandbox, sandbox.keys.opsgenie_us_integration).api_client.configuration
    api = opsgenie_sdk.AlertApi(opsgenie_sdk.api_client.ApiClient(conf))
    payload = opsgenie_sdk.CreateAlertPayload(
        message="[Test message] EvidenceHub", alias="sdk/check 1", source="EvidenceHub"
    )

    created = api.create_alert(create_alert_payload=payload)
    closed = api.close_alert(
        "sdk/check 1", identifier_type="alias", close_alert_payload=opsgenie_sdk.CloseAlertPayload()
    )

    assert created.result == "Request will be processed"
    assert api.get_request_status(created.request_id).data.status == "Created alert"
    assert api.get_request_status(closed.request_id).data.status == "Closed alert"
    alert = sandbox.opsgenie_alerts["us"].find(
        api.get_request_status(created.request_id).data.alert_id
    )
    assert alert is not None and alert["status"] == "closed"
