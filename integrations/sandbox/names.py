"""The people, teams and words every emulated account is made of, and the day they start on.

Both datasets draw from these same lists, so a person or a team looks alike in each emulator.
The text deliberately includes unicode and markup-like strings, so every consumer of the data
(templates, CSV exports, logs) meets them early. The order of each list is part of the seeded
data: reordering or extending one changes every dataset made from it.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import UTC, datetime
from typing import Any, Final

# (name, description)
TEAMS: Final = (
    ("Platform", "Kubernetes, networking and the shared runtime."),
    ("Payments", "Checkout, billing and payouts."),
    ("Data", "Warehouse, pipelines and backups."),
    ("Mobile", "iOS/Android apps & their <b>backend</b>."),
    ("SRE", "On-call for everything that has no other owner."),
    ("Security", "Detection & response; owns the {{ secrets }} vault."),
    ("Équipe Support", "Support de niveau 2 — Genève & Montréal."),
)

# Incident titles; `{name}` placeholders are filled with `fill`, never str.format, because some
# titles contain a literal `{{ }}` on purpose.
INCIDENT_TITLES: Final = (
    "Elevated 5xx rate on {service}",
    "{service} latency above SLO",
    "{service} unreachable from {region}",
    "Disk usage above 90% on {host}",
    "Certificate for {service} expires in 3 days",
    "Queue backlog growing on {service}",
    "Partial outage of {service} — customers affected",
    "Deploy of {service} rolled back",
    "Dégradation du service {service} à Zürich",
    "支付服务响应缓慢 ({service})",
    "🔥 {service} is down 🔥",
    "خطأ في خدمة {service}",
    "<script>alert(1)</script> found in {service} logs",
    "<b>{service}</b> returns stale data",
    "Template {{ request.user.password }} rendered by {service}",
    "=cmd|' /C calc'!A0",
)
# Kept apart so "data loss" stays rare (a few per hundred), as it would be in a real account.
DATA_LOSS_TITLES: Final = (
    "Possible data loss in {service}",
    "Data loss: {count} records missing from {service}",
)
CLOUD_REGIONS: Final = ("eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-northeast-1")

FIRST_NAMES: Final = (
    "Ana", "José", "Zoë", "Björn", "Łukasz", "Amélie", "Søren", "Mei", "Hiroshi", "Fatima",
    "Noam", "Chloé", "Ivan", "Priya", "Olu", "Grace", "Omar", "Lena", "Mateo", "Aisha",
)  # fmt: skip
LAST_NAMES: Final = (
    "Núñez", "O'Brien", "Müller", "Kowalski", "Dubois", "李", "山田", "Haddad", "Cohen",
    "Sørensen", "Smith", "García", "Nguyen", "Okafor", "Ivanova", "Schäfer",
)  # fmt: skip
# E-mail local parts for names that do not transliterate by stripping accents.
ASCII_NAMES: Final = {
    "李": "li",
    "山田": "yamada",
    "Łukasz": "lukasz",
    "Søren": "soren",
    "Sørensen": "sorensen",
}
# Each dataset adds one zone of its own after these.
TIME_ZONES: Final = (
    "Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Europe/Paris", "Asia/Kolkata",
    "America/Los_Angeles",
)  # fmt: skip
# Someone always types markup into a form: the last of more than three people is this one.
MARKUP_PERSON: Final = ("Bobby <b>Tables</b>'); --", "bobby.tables")


def new_person(rng: random.Random, *, index: int, count: int, taken: set[str]) -> tuple[str, str]:
    """(full name, e-mail) of person `index` of `count`; the e-mail is new to `taken`, which
    this adds it to."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name, local = f"{first} {last}", f"{ascii_name(first)}.{ascii_name(last)}"
    if index == count - 1 and count > 3:
        name, local = MARKUP_PERSON
    email = f"{local}@example.com"
    suffix = 2
    while email in taken:
        email = f"{local}{suffix}@example.com"
        suffix += 1
    taken.add(email)
    return name, email


def ascii_name(name: str) -> str:
    if name in ASCII_NAMES:
        return ASCII_NAMES[name]
    stripped = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in stripped.lower() if ch.isalnum())


def fill(template: str, values: dict[str, Any]) -> str:
    """`{name}` placeholders replaced; anything else, `{{ }}` included, left as it is."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def start_of_day(moment: datetime | None = None) -> datetime:
    """Today 00:00 UTC: recent data that stays identical for everyone within a day."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def account_now(now: datetime | None) -> datetime:
    """The moment a dataset is generated at: `now` (naive means UTC), or today 00:00 UTC."""
    now = start_of_day() if now is None else now
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now
