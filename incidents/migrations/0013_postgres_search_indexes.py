"""PostgreSQL only: trigram and JSON indexes for the incident list's search and service filter,
and statistics for the planner (see incidents/selectors.py, COMMON_MATCHES).

The search matches the folded text anywhere (``search_text LIKE '%…%'``, lib/search.py): with a
trigram GIN index PostgreSQL finds the few incidents a rare word is in without reading the
others (a search that matched none read all 1,000,000 rows). The service filter's JSON
containment uses a jsonb_path_ops GIN index the same way. Built CONCURRENTLY, so a deployment's
migration does not stop syncs for the minute it takes at 1,000,000 incidents. SQLite has
neither kind of index and keeps its full scan (fast enough at its 100,000 budget); on it these
operations do nothing, and the model's state does not hold these indexes.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# Statistics on the columns as incidents.expressions.Unindexed writes them: the planner then
# estimates a common word or service there as well as on the column itself (without them it
# guessed 84 rows for "checkout", and sorted all 190,000 matches to show 50).
STATISTICS = {
    "incident_search_unindexed": "search_text",
    "incident_services_unindexed": "services",
}
INDEXES = [
    GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name="incident_search_trgm"),
    GinIndex(fields=["services"], opclasses=["jsonb_path_ops"], name="incident_services"),
]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    incident = apps.get_model("incidents", "Incident")
    for index in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index.name}")
        schema_editor.add_index(incident, index, concurrently=True)
    table = schema_editor.quote_name(incident._meta.db_table)
    for name, column in STATISTICS.items():
        column = schema_editor.quote_name(column)
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE STATISTICS {name} ON (COALESCE({column}, {column})) FROM {table}"
        )
    schema_editor.execute(f"ANALYZE {table}")


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    incident = apps.get_model("incidents", "Incident")
    for index in INDEXES:
        schema_editor.remove_index(incident, index, concurrently=True)
    for name in STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("incidents", "0012_list_indexes_at_scale"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(add_indexes, remove_indexes),
    ]
