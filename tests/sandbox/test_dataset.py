from __future__ import annotations

from collections import Counter
from datetime import timedelta

from integrations.providers.opsgenie.sandbox.data import generate_dataset
from tests.sandbox.support import NOW


def _dataset(seed: int = 1, region: str = "us", incidents: int = 400):
    return generate_dataset(seed=seed, incidents=incidents, users=30, region=region, now=NOW)


def test_the_same_seed_region_and_day_give_identical_data():
    assert _dataset() == _dataset()


def test_a_different_seed_gives_different_data():
    assert _dataset(seed=1).incidents != _dataset(seed=2).incidents


def test_each_region_is_a_different_account():
    us, eu = _dataset(region="us"), _dataset(region="eu")

    assert not {i["id"] for i in us.incidents} & {i["id"] for i in eu.incidents}
    assert {u["id"] for u in us.users}.isdisjoint(u["id"] for u in eu.users)
    assert "app.eu.opsgenie.com" in eu.incidents[0]["links"]["web"]


def test_incidents_are_varied_like_a_real_account():
    incidents = _dataset().incidents

    priorities = Counter(i["priority"] for i in incidents)
    assert set(priorities) == {"P1", "P2", "P3", "P4", "P5"}
    assert priorities["P3"] + priorities["P4"] > len(incidents) / 2
    assert {i["status"] for i in incidents} == {"open", "resolved", "closed"}
    old = [i for i in incidents if i["createdAt"] < (NOW - timedelta(days=30)).isoformat()]
    assert sum(i["status"] != "open" for i in old) > 0.8 * len(old)
    assert any("impactStartDate" not in i for i in incidents)
    assert any("impactEndDate" not in i and i["status"] != "open" for i in incidents)


def test_incidents_span_about_half_a_year_before_now():
    incidents = _dataset().incidents
    oldest = min(i["createdAt"] for i in incidents)
    newest = max(i["updatedAt"] for i in incidents)

    assert oldest >= (NOW - timedelta(days=181)).strftime("%Y-%m-%dT%H:%M:%S")
    assert oldest <= (NOW - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%S")
    assert newest <= NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_tiny_ids_are_numeric_strings_growing_with_creation():
    incidents = _dataset().incidents

    ordered = sorted(incidents, key=lambda i: int(i["tinyId"]))
    assert [i["createdAt"] for i in ordered] == sorted(i["createdAt"] for i in incidents)
    assert len({i["id"] for i in incidents}) == len(incidents)


def test_text_includes_unicode_markup_and_a_few_data_loss_incidents():
    incidents = _dataset(incidents=1000).incidents
    text = " ".join(i["message"] + " " + i["description"] for i in incidents)

    for sample in ("<script>alert(1)</script>", "{{", "=cmd|", "支付", "é", "🔥", "خطأ"):
        assert sample in text
    data_loss = sum("data loss" in (i["message"] + i["description"]).lower() for i in incidents)
    assert 0 < data_loss < len(incidents) * 0.1
    assert all(len(i["message"]) <= 130 for i in incidents)


def test_incidents_reference_existing_services_and_teams():
    dataset = _dataset()
    services = {s["id"] for s in dataset.services}
    teams = {t["id"] for t in dataset.teams}

    for incident in dataset.incidents:
        assert set(incident["impactedServices"]) <= services
        assert incident["ownerTeam"] in teams | {""}
        assert all(r["id"] in teams for r in incident["responders"] if r["type"] == "team")


def test_usernames_are_unique_email_addresses():
    users = generate_dataset(seed=3, incidents=0, users=200, region="us", now=NOW).users

    usernames = [u["username"] for u in users]
    assert len(set(usernames)) == len(usernames)
    assert all(name.isascii() and name.endswith("@example.com") for name in usernames)
