"""python manage.py sync [--connection ID | --all] [--full]

Runs syncs in the foreground with a progress line, prints the counts, exits non-zero when a sync
fails or could not start."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.formats import date_format

from integrations.models import Connection, ConnectionStatus, SyncOutcome, SyncRun, SyncTrigger
from integrations.providers.registry import providers
from integrations.sync.details import details_waiting
from integrations.sync.engine import sync_connection
from integrations.sync.selectors import sync_running
from integrations.sync.services import sync_running_text


class Command(BaseCommand):
    help = "Sync connections now, in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--connection", type=int, help="The connection id (see the connection page)."
        )
        which.add_argument("--all", action="store_true", help="Every connection not disconnected.")
        parser.add_argument("--full", action="store_true", help="A full reconciliation.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            active = Connection.objects.exclude(status=ConnectionStatus.DISCONNECTED)
            connections = []
            for connection in active.select_related("moved_to"):
                if connection.has_moved and not _reads_details(connection):
                    # Not a failure: its move took effect, and its evidence is kept.
                    self.stdout.write(f"{_label(connection)}: {_moved(connection)}")
                else:
                    connections.append(connection)
            if not connections and not active.exists():
                raise CommandError("No connection to sync: connect an integration first.")
        else:
            connection = Connection.objects.filter(pk=options["connection"]).first()
            if connection is None:
                raise CommandError(f"There is no connection {options['connection']}.")
            connections = [connection]
        failures = 0
        for connection in connections:
            failures += not self._sync(connection, full=options["full"])
        if failures:
            raise CommandError(f"{failures} of {len(connections)} syncs failed.")

    def _sync(self, connection: Connection, *, full: bool) -> bool:
        label = _label(connection)
        if connection.status == ConnectionStatus.DISCONNECTED:
            self.stderr.write(f"{label} is disconnected: reconnect it first.")
            return False
        if connection.has_moved and not _reads_details(connection):
            self.stderr.write(f"{label}: {_moved(connection)}")
            return False
        run = sync_connection(
            connection_id=connection.pk,
            trigger=SyncTrigger.COMMAND,
            full=full,
            on_progress=self._progress,
        )
        self.stdout.write("")
        if run is None:
            running = sync_running(connection=connection)
            if running is not None:
                self.stderr.write(f"{label}: {sync_running_text(running)}.")
            elif connection.has_moved:
                # Its details read after the move: none waits any more.
                self.stderr.write(f"{label}: {_moved(connection)}")
            elif connection.services_confirmed_at is None:
                self.stderr.write(f"{label}: choose its services first; nothing was synced.")
            else:
                self.stderr.write(f"{label}: another worker is starting a sync of it.")
            return False
        summary = _summary(run.counts.get("incidents", {}))
        for stream in run.other_streams:
            if stream.skipped:
                summary += f". {stream.label}: not read ({stream.skipped})"
            elif stream.error:
                summary += f". {stream.label}: FAILED ({stream.error})"
            else:
                summary += f". {stream.label}: {_summary(stream.counts)}"
        summary += "".join(f". {label}: switched off" for label in _switched_off(connection))
        timing = f"{run.duration_seconds:.1f} s, {run.http_calls} HTTP calls, {run.retries} retries"
        kind = run.get_kind_display()
        if run.outcome in (SyncOutcome.FAILED, SyncOutcome.INTERRUPTED):
            # run.summary says what it stored before it ended, as the sync card does.
            ended = run.get_outcome_display().upper()
            self.stderr.write(f"{label}: {kind} {ended}. {run.summary} ({summary}; {timing})")
            return False
        if run.outcome == SyncOutcome.PARTIAL:
            # The evidence (incidents) is current; say loudly what was not read, exit non-zero.
            self.stderr.write(
                f"{label}: {kind} PARTIAL: {run.error} (Incidents: {summary}; {timing})"
            )
            return False
        self.stdout.write(
            self.style.SUCCESS(f"{label}: {kind} done. Incidents: {summary} ({timing}).")
        )
        return True

    def _progress(self, run: SyncRun) -> None:
        counts = run.counts.get("incidents", {})
        self.stdout.write(
            f"\r  {counts.get('fetched', 0)} fetched, {counts.get('created', 0)} new, "
            f"{counts.get('updated', 0)} updated, {run.http_calls} HTTP calls",
            ending="",
        )
        self.stdout.flush()


def _reads_details(connection: Connection) -> bool:
    """A moved connection still syncs the details queued before the move, while any waits."""
    return connection.reads_details_only and details_waiting(connection)


def _label(connection: Connection) -> str:
    return f"{connection.provider} (connection {connection.pk})"


def _moved(connection: Connection) -> str:
    """Why a moved connection is not synced: "moved to Jira Service Management on 1 Dec 2026;
    kept as evidence, not synced"."""
    moved_to = connection.moved_to
    successor = moved_to.get_provider_name() if moved_to else "its successor"
    stopped = connection.stopped_answering_at
    day = timezone.localdate(stopped) if stopped else connection.moved_on
    when = date_format(day, "j M Y") if day else "its stop date"
    return f"moved to {successor} on {when}; kept as evidence, not synced."


def _switched_off(connection: Connection) -> list[str]:
    """The labels of the streams an admin switched off for this connection (not read)."""
    provider = providers().get(connection.provider)
    streams = provider.optional_streams if provider else ()
    return [stream.label for stream in streams if not connection.stream_is_on(stream.name)]


def _summary(counts: dict[str, object]) -> str:
    return ", ".join(
        f"{name} {counts.get(name, 0)}"
        for name in ("fetched", "created", "updated", "unchanged", "deleted")
    )
