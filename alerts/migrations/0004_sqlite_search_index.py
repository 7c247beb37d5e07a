"""SQLite only: a full-text index of the alerts' search text, for the alert list's search
(alerts/search.py).

An FTS5 table with the ``trigram`` tokenizer over ``search_text`` (external content: it holds
the index, not a copy of the text), kept in step with the alerts by triggers, so every writer
(the alert store's executemany, Model.save, a delete) updates it in the same transaction. It
finds the alerts a string of three characters or more is in without reading the others (a
search that matched none read all 100,000 alerts: 113 ms, make bench). Built from the alerts
already stored. PostgreSQL has its trigram index instead (migration 0003); on it this does
nothing.

A later migration that makes SQLite rebuild the alerts table (as many AlterField and
RemoveField do: a new table copied, the old dropped) drops these triggers with it, and must
create them again (tests/alerts/test_search.py fails until it does).
"""

from django.db import migrations

TRIGGERS = (
    "alerts_alert_search_insert",
    "alerts_alert_search_delete",
    "alerts_alert_search_update",
)
# Case-insensitive (the tokenizer's own folding): what it finds is never less than what
# `search_text LIKE` finds on SQLite (ASCII case-insensitive), which then checks each one.
CREATE = [
    """CREATE VIRTUAL TABLE alerts_alert_search USING fts5(
        search_text, content='alerts_alert', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER alerts_alert_search_insert AFTER INSERT ON alerts_alert BEGIN
        INSERT INTO alerts_alert_search(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER alerts_alert_search_delete AFTER DELETE ON alerts_alert BEGIN
        INSERT INTO alerts_alert_search(alerts_alert_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER alerts_alert_search_update AFTER UPDATE OF search_text ON alerts_alert
    WHEN old.search_text IS NOT new.search_text BEGIN
        INSERT INTO alerts_alert_search(alerts_alert_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO alerts_alert_search(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    # The alerts stored before this migration.
    "INSERT INTO alerts_alert_search(alerts_alert_search) VALUES ('rebuild')",
]


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in CREATE:
        schema_editor.execute(statement)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for trigger in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    schema_editor.execute("DROP TABLE IF EXISTS alerts_alert_search")


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_postgres_search_index"),
    ]

    operations = [
        migrations.RunPython(add_index, remove_index),
    ]
