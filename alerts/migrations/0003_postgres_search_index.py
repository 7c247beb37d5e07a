"""PostgreSQL only: a trigram index for the alert list's search (alerts/search.py).

The search matches the folded text anywhere (``search_text LIKE '%…%'``, lib/search.py): with a
trigram GIN index PostgreSQL finds the few alerts a rare string is in without reading the
others (a search that matched none read all 100,000 alerts: 129 ms, make bench), and still
walks the list's order for a common one, as its statistics tell it. Built CONCURRENTLY, so a
deployment's migration does not stop syncs while it is built. SQLite has no such index (it has
its own, migration 0004); on it this does nothing, and the model's state does not hold it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

INDEX = GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name="alert_search_trgm")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    alert = apps.get_model("alerts", "Alert")
    # As incidents 0013 (a database owner may create it, or a superuser beforehand). Not
    # dropped when this is reversed: the incidents' index needs it too.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX.name}")
    schema_editor.add_index(alert, INDEX, concurrently=True)
    schema_editor.execute(f"ANALYZE {schema_editor.quote_name(alert._meta.db_table)}")


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    alert = apps.get_model("alerts", "Alert")
    schema_editor.remove_index(alert, INDEX, concurrently=True)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("alerts", "0002_alert_logs_notes_recipients"),
    ]

    operations = [
        migrations.RunPython(add_index, remove_index),
    ]
