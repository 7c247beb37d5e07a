"""The Data library's files in the evidence export (found by evidence/registry.py): one CSV per
configuration kind (teams, escalations, schedules, routing rules...), each object as of the
export with its relations and the fields upstream sent, those removed upstream included with
the date they were found gone. The kinds come from the providers' declarations, so the export
names no provider."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from django.db.models import Prefetch

from integrations.providers.registry import providers
from lib.evidence_files import EvidenceFile, Export, Row
from library.kinds import Kind, declared_kinds
from library.models import LibraryObject, LibraryRelation

# After every other app's files (the highest is 145), in the library's order.
FIRST_ORDER = 200

HEADER = (
    "source",
    "connection_id",
    "region",
    "kind",
    "upstream_id",
    "name",
    "team",
    "state",
    "relations",
    "first_synced_at",
    "last_changed_at",
    "removed_upstream",
    "removed_upstream_at",
    "upstream_fields",
)


def file_name(kind: Kind) -> str:
    return f"library_{kind.name}.csv"


def _relations(row: LibraryObject) -> str:
    """``relation: name`` of each object it names (by id when upstream gave no name)."""
    return "; ".join(
        f"{link.relation}: {link.target_name or link.target_upstream_id}"
        + (f" ({link.detail})" if link.detail else "")
        for link in row.relations.all()
    )


def _rows_of(kind: Kind) -> Callable[[Export], Iterator[Row]]:
    def rows(export: Export) -> Iterator[Row]:
        names = {slug: provider.name for slug, provider in providers().items()}
        objects = (
            LibraryObject.objects.filter(kind=kind.name)
            .select_related("connection")
            .only(
                *(f.name for f in LibraryObject._meta.concrete_fields if f.name != "search_text"),
                "connection__region",
            )
            .prefetch_related(
                Prefetch("relations", queryset=LibraryRelation.objects.order_by("relation", "id"))
            )
            .order_by("connection_id", "name", "id")
        )
        for row in objects.iterator(chunk_size=1000):
            yield (
                names.get(row.provider, row.provider),
                row.connection_id,
                row.connection.region,
                kind.singular,
                row.upstream_id,
                row.name,
                row.team,
                row.state,
                _relations(row),
                row.first_seen_at,
                row.changed_at,
                row.removed_upstream,
                row.removed_at,
                json.dumps(row.raw, ensure_ascii=False, sort_keys=True),
            )

    return rows


FILES = [
    EvidenceFile(
        name=file_name(kind),
        description=f"{kind.label} as of the export (Data library): {kind.about} Those removed "
        "upstream are included, marked with the date they were found gone.",
        header=HEADER,
        rows=_rows_of(kind),
        order=FIRST_ORDER + index,
    )
    # A provider's services are in services.csv (integrations/evidence.py) already.
    for index, kind in enumerate(
        kind for _slug, kind in declared_kinds() if not kind.holds_services
    )
]
