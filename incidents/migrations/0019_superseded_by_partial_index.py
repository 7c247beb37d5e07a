"""The few incidents a move superseded get their own partial index (indexes.py,
``incident_superseded_by``) instead of the foreign key's index of every incident: SQLite chose
that one for ``superseded_by IS NULL`` (the counted incidents) and sorted them all.

Only the index is dropped: Django would also drop and re-add the foreign key constraint for
``db_index=False``, which on PostgreSQL checks every row again (seconds at 1,000,000
incidents, with the table locked)."""

import django.db.models.deletion
from django.db import migrations, models

FK_INDEX = "incidents_incident_superseded_by_id_43e1cf98"


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0018_incident_superseded_by_match"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="superseded_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="moved_records",
                        to="incidents.incident",
                        verbose_name="Same incident as",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{FK_INDEX}"',
                    f'CREATE INDEX "{FK_INDEX}" ON "incidents_incident" ("superseded_by_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("superseded_by__isnull", False)),
                fields=["superseded_by"],
                name="incident_superseded_by",
            ),
        ),
    ]
