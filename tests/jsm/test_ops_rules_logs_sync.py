"""JSM's team routing rules and audit logs end to end: the emulator serving them (paths,
``values``/``links.next`` paging, 401/403/404, the logs' order), a sync storing them (counts from
the emulator's own data, the audit logs bounded), their Data library pages (every role, the empty
state, filters, relations both ways, upstream text escaped, the same queries for 1 and 30 rows),
their evidence CSVs, the Review step's switches, and an account without an Operations role told
what they need while its incidents sync."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse

from evidence.archive import build_evidence_zip
from incidents.models import Incident
from integrations.models import SyncOutcome
from integrations.providers.jsm.ops_mapping import (
    AUDIT_LOGS,
    ESCALATIONS,
    ROUTING_RULES,
    SCHEDULES,
    TEAMS,
    config_record,
)
from integrations.providers.jsm.ops_reader import NEEDS_OPS
from integrations.sandbox.server import SandboxServer
from library.models import LibraryObject, LibraryRelation
from library.store import LibraryStore
from tests.evidence.conftest import NOW as EXPORT_NOW
from tests.evidence.conftest import PERIOD, read_csv, read_zip
from tests.jsm.conftest import connect, run_sync
from tests.jsm.test_ops_sync import _queries

NEW = (ROUTING_RULES, AUDIT_LOGS)


def _root_and_auth(upstream: SandboxServer) -> tuple[str, tuple[str, str]]:
    keys = upstream.keys
    site = upstream.jsm_site_url().replace("{site}", keys.jsm_site)
    cloud_id = requests.get(f"{site}/_edge/tenant_info", timeout=5).json()["cloudId"]
    return f"{upstream.jsm_ops_url()}/{cloud_id}", (keys.jsm_email, keys.jsm_api_token)


def _all_rules(upstream: SandboxServer) -> list[dict]:  # type: ignore[type-arg]
    return [rule for rules in upstream.jsm_ops.routing_rules.values() for rule in rules]


def test_the_emulator_serves_routing_rules_and_logs(upstream) -> None:  # type: ignore[no-untyped-def]
    root, auth = _root_and_auth(upstream)
    config = upstream.jsm_ops
    platform = next(t for t in config.teams if t["teamName"] == "Platform")
    path = f"/v1/teams/{platform['teamId']}/routing-rules"
    first = requests.get(root + path, auth=auth, params={"size": 2}, timeout=5).json()
    assert first["links"]["next"] == f"{path}?size=2&offset=2"
    rest = requests.get(root + first["links"]["next"], auth=auth, timeout=5).json()
    served = first["values"] + rest["values"]
    assert served == config.routing_rules[platform["teamId"]] and rest["links"] == {}
    # Each rule routes to its own team's escalation or schedule, or to nobody.
    (escalation,) = config.escalations[platform["teamId"]]
    schedule = next(s for s in config.schedules if s["teamId"] == platform["teamId"])
    assert [r["notify"].get("id") for r in served] == [escalation["id"], None, schedule["id"]]

    newest = requests.get(root + "/v1/logs", auth=auth, params={"size": 100}, timeout=5).json()
    times = [log["createdAt"] for log in newest["values"]]
    assert times == sorted(times, reverse=True) and newest["links"]["next"]
    oldest = requests.get(root + "/v1/logs", auth=auth, params={"order": "asc"}, timeout=5)
    assert oldest.json()["values"][0]["createdAt"] == min(log["createdAt"] for log in config.logs)
    assert (
        requests.get(root + "/v1/logs", auth=auth, params={"order": "up"}, timeout=5).status_code
        == 422
    )

    keys = upstream.keys
    no_role = (keys.jsm_no_role_email, keys.jsm_no_role_token)
    for refused_path in (path, "/v1/logs"):
        bad = requests.get(root + refused_path, auth=(keys.jsm_email, "nope"), timeout=5)
        assert bad.status_code == 401
        assert requests.get(root + refused_path, auth=no_role, timeout=5).status_code == 403
    missing = requests.get(root + "/v1/teams/nope/routing-rules", auth=auth, timeout=5)
    assert missing.status_code == 404


@pytest.mark.django_db
def test_a_sync_stores_every_rule_and_log_with_their_relations(upstream) -> None:  # type: ignore[no-untyped-def]
    connection = connect(upstream)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    config = upstream.jsm_ops
    rules = _all_rules(upstream)
    stored = {row.upstream_id: row for row in LibraryObject.objects.filter(kind=ROUTING_RULES)}
    assert set(stored) == {rule["id"] for rule in rules}
    assert run.counts[ROUTING_RULES]["created"] == len(rules)
    nobody = {rule["id"] for rule in rules if rule["notify"]["type"] == "none"}
    assert {k for k, row in stored.items() if row.state == "nobody"} == nobody
    teams = {t["teamId"]: t["teamName"] for t in config.teams}
    for team_id, team_rules in config.routing_rules.items():
        for rule in team_rules:
            assert stored[rule["id"]].team == teams[team_id]
            targets = set(
                LibraryRelation.objects.filter(source=stored[rule["id"]]).values_list(
                    "relation", "target_kind", "target_upstream_id"
                )
            )
            wanted = {("team", TEAMS, team_id)}
            kind = {"escalation": ESCALATIONS, "schedule": SCHEDULES}.get(rule["notify"]["type"])
            if kind:
                wanted.add(("notifies", kind, rule["notify"]["id"]))
            assert targets == wanted
    logs = LibraryObject.objects.filter(kind=AUDIT_LOGS)
    assert set(logs.values_list("upstream_id", flat=True)) == {log["id"] for log in config.logs}
    assert run.counts[AUDIT_LOGS]["created"] == len(config.logs)
    assert not any("/logs" in p and "order=desc" not in p for p in upstream.jsm_ops_requests)


@pytest.mark.django_db
def test_more_logs_than_the_bound_keep_the_older_ones_unremoved(upstream, settings) -> None:  # type: ignore[no-untyped-def]
    connection = connect(upstream)
    run_sync(connection)
    settings.JSM_AUDIT_LOGS_PER_RUN = 150
    config = upstream.jsm_ops
    newest = sorted(config.logs, key=lambda log: log["createdAt"], reverse=True)
    config.logs = newest[:200]  # the oldest aged out upstream, while more than 150 remain
    before = len([p for p in upstream.jsm_ops_requests if "/v1/logs?" in p])
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    reads = [p for p in upstream.jsm_ops_requests if "/v1/logs?" in p][before:]
    assert len(reads) == 2  # 150 of the newest: two pages of 100, the second cut
    stored = LibraryObject.objects.filter(kind=AUDIT_LOGS)
    assert stored.count() == len(newest)  # the aged-out ones kept...
    assert not stored.filter(removed_upstream=True).exists()  # ...and not marked removed


@pytest.mark.django_db
def test_a_rule_removed_upstream_is_marked_on_its_pages(upstream, admin_client) -> None:  # type: ignore[no-untyped-def]
    connection = connect(upstream)
    run_sync(connection)
    platform = next(t for t in upstream.jsm_ops.teams if t["teamName"] == "Platform")
    rules = upstream.jsm_ops.routing_rules[platform["teamId"]]
    dropped = rules[1]
    upstream.jsm_ops.routing_rules[platform["teamId"]] = [rules[0], rules[2]]
    run_sync(connection)
    row = LibraryObject.objects.get(kind=ROUTING_RULES, upstream_id=dropped["id"])
    assert row.removed_upstream
    url = reverse("library:list", args=[ROUTING_RULES])
    listing = admin_client.get(url).content.decode()
    assert "Team routing rules (JSM)" in listing and "Last synced" in listing
    assert f"{len(_all_rules(upstream))} JSM routing rules." in listing
    everything = admin_client.get(url, {"removed": "all"}).content.decode()
    assert f"{len(_all_rules(upstream)) + 1} JSM routing rules match the filters." in everything
    gone = admin_client.get(url, {"removed": "removed"})
    assert [r.name for r in gone.context["rows"]] == [dropped["name"]]
    assert '<span class="tag">Removed upstream' in gone.content.decode()
    nobody = admin_client.get(url, {"state": "nobody", "removed": "all"})
    assert [r.name for r in nobody.context["rows"]] == [dropped["name"]]
    detail = admin_client.get(reverse("library:detail", args=[ROUTING_RULES, row.pk]))
    assert "No longer listed by Jira Service Management" in detail.content.decode()


@pytest.mark.django_db
def test_pages_link_a_rule_its_team_and_its_escalation_both_ways(upstream, admin_client) -> None:  # type: ignore[no-untyped-def]
    run_sync(connect(upstream))
    payments = next(t for t in upstream.jsm_ops.teams if t["teamName"] == "Payments")
    rule = upstream.jsm_ops.routing_rules[payments["teamId"]][0]
    (escalation,) = upstream.jsm_ops.escalations[payments["teamId"]]
    rule_row = LibraryObject.objects.get(kind=ROUTING_RULES, upstream_id=rule["id"])
    team_row = LibraryObject.objects.get(kind=TEAMS, upstream_id=payments["teamId"])
    esc_row = LibraryObject.objects.get(kind=ESCALATIONS, upstream_id=escalation["id"])
    shown = admin_client.get(reverse("library:detail", args=[ROUTING_RULES, rule_row.pk]))
    text = shown.content.decode()
    assert reverse("library:detail", args=[TEAMS, team_row.pk]) in text
    assert reverse("library:detail", args=[ESCALATIONS, esc_row.pk]) in text
    back = admin_client.get(reverse("library:detail", args=[ESCALATIONS, esc_row.pk]))
    assert "Routing rules that route to this escalation" in back.content.decode()
    assert reverse("library:detail", args=[ROUTING_RULES, rule_row.pk]) in back.content.decode()
    log = LibraryObject.objects.filter(kind=AUDIT_LOGS).first()
    assert log is not None
    page = admin_client.get(reverse("library:detail", args=[AUDIT_LOGS, log.pk]))
    assert page.status_code == 200 and log.raw["owner"]["name"] in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", NEW)
def test_every_role_reads_the_new_lists_even_empty(request, kind) -> None:  # type: ignore[no-untyped-def]
    for who in ("admin_client", "auditor_client", "staff_client"):
        page = request.getfixturevalue(who).get(reverse("library:list", args=[kind]))
        assert page.status_code == 200 and "synced yet" in page.content.decode(), who
    assert (
        request.getfixturevalue("client").get(reverse("library:list", args=[kind])).status_code
        == 302
    )


WHOLE = "Read whole at every sync; one no longer listed upstream is kept, marked removed."


@pytest.mark.django_db
def test_a_log_read_newest_first_is_not_said_to_be_read_whole(auditor_client) -> None:  # type: ignore[no-untyped-def]
    def hint(kind: str) -> str:
        return auditor_client.get(reverse("library:list", args=[kind])).content.decode()

    # Only the newest entries are read: saying "read whole … marked removed" would be untrue.
    assert WHOLE not in hint(AUDIT_LOGS) and WHOLE not in hint("team_logs")
    assert "never marked removed while more exist" in hint(AUDIT_LOGS)
    assert WHOLE in hint(ROUTING_RULES)


def _rule(n: int, team: int) -> object:
    raw = {
        "id": f"rule-{n}",
        "name": f"<script>alert({n})</script> rule",
        "notify": {"type": "escalation", "id": f"esc-{n % 3}"},
        "_team": {"id": f"team-{team}", "name": f"Team {team}"},
    }
    return config_record(ROUTING_RULES, f"rule-{n}", raw)


def _log(n: int) -> object:
    raw = {
        "id": f"log-{n}",
        "createdAt": f"2026-05-01T10:{n:02d}:00.000Z",
        "owner": {"accountId": f"acc-{n}", "name": f"<b>Person {n}</b>"},
        "log": f"Escalation [<img src=x onerror=alert({n})>] was updated",
    }
    return config_record(AUDIT_LOGS, f"log-{n}", raw)


@pytest.mark.django_db
def test_upstream_text_is_escaped_and_pages_cost_the_same_for_1_and_30_rows(
    upstream, admin_client
) -> None:  # type: ignore[no-untyped-def]
    connection = connect(upstream)
    rules, logs = LibraryStore(ROUTING_RULES), LibraryStore(AUDIT_LOGS)
    rules.save(connection=connection, records=[_rule(1, 1)])
    logs.save(connection=connection, records=[_log(1)])
    urls = []
    for kind, upstream_id in ((ROUTING_RULES, "rule-1"), (AUDIT_LOGS, "log-1")):
        row = LibraryObject.objects.get(kind=kind, upstream_id=upstream_id)
        urls += [
            reverse("library:list", args=[kind]),
            reverse("library:detail", args=[kind, row.pk]),
        ]
    for url in urls:
        text = admin_client.get(url).content.decode()
        assert "<script>alert(" not in text and "<img src=x" not in text and "<b>Person" not in text
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; rule" in admin_client.get(urls[1]).content.decode()
    )
    few = [_queries(admin_client, url) for url in urls]
    rules.save(connection=connection, records=[_rule(n, n % 4) for n in range(1, 31)])
    logs.save(connection=connection, records=[_log(n) for n in range(1, 31)])
    assert LibraryObject.objects.filter(kind__in=NEW).count() == 60
    assert [_queries(admin_client, url) for url in urls] == few


@pytest.mark.django_db
def test_the_evidence_export_has_both_csvs(upstream, admin_user) -> None:  # type: ignore[no-untyped-def]
    run_sync(connect(upstream))
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=EXPORT_NOW) as file:
        archive = read_zip(file.read())
    rules = {row["name"]: row for row in read_csv(archive, f"library_{ROUTING_RULES}.csv")}
    assert set(rules) == {rule["name"] for rule in _all_rules(upstream)}
    dropped = rules["Platform: Drop test alerts"]
    assert (dropped["source"], dropped["team"], dropped["state"]) == (
        "Jira Service Management",
        "Platform",
        "nobody",
    )
    logs = read_csv(archive, f"library_{AUDIT_LOGS}.csv")
    assert len(logs) == len(upstream.jsm_ops.logs)


@pytest.mark.django_db
def test_an_account_without_an_operations_role_is_told_what_they_need(upstream) -> None:  # type: ignore[no-untyped-def]
    connection = connect(upstream)
    upstream.jsm_store.site.users[0]["operations"] = False  # the role taken away after connecting
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    assert Incident.objects.filter(connection=connection).exists()
    for stream in NEW:
        assert run.counts[stream]["skipped"].endswith(f"it needs {NEEDS_OPS}"), stream
    assert not LibraryObject.objects.filter(kind__in=NEW).exists()


@pytest.mark.django_db
def test_the_review_step_offers_both_with_what_they_need(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get("/settings/integrations/jsm/connect/").content.decode()
    needs = "<td>An API token of an account with an Operations role (Global or Team)</td>"
    for stream, label in (
        (ROUTING_RULES, "Team routing rules (up to 200 teams a run)"),
        (AUDIT_LOGS, "Audit logs (the newest 500)"),
    ):
        assert f'<label for="id_on_{stream}">{label}</label></th>\n            {needs}' in page
        assert f'value="{stream}" id="id_on_{stream}" checked>' in page


def test_time_passing_writes_its_changes_to_the_audit_log(upstream) -> None:  # type: ignore[no-untyped-def]
    root, auth = _root_and_auth(upstream)
    before = len(upstream.jsm_ops.logs)
    names = {s["id"]: s["name"] for s in upstream.jsm_ops.schedules}
    escalations = {e["id"]: e["name"] for es in upstream.jsm_ops.escalations.values() for e in es}
    wanted: list[str] = []
    for _hour in range(6):
        answer = requests.post(
            f"{upstream.base_url}/_sandbox/advance",
            json={"provider": "jsm", "region": "cloud", "seed": 3},
            timeout=10,
        )
        changed = answer.json()["configuration"]
        wanted += [
            f"Schedule [{names[gap['schedule']]}] override was added"
            for gap in changed["schedule_gaps"]
        ]
        wanted += [
            f"Escalation [{escalations[e]}] was updated" for e in changed["escalations_trimmed"]
        ]
    assert wanted
    newest = requests.get(root + "/v1/logs", auth=auth, params={"size": len(wanted)}, timeout=5)
    assert sorted(log["log"] for log in newest.json()["values"]) == sorted(wanted)
    assert len(upstream.jsm_ops.logs) == before + len(wanted)
