from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from encrypted_model_fields.fields import EncryptedTextField

from integrations.providers.registry import provider_name, providers
from integrations.sync.streams import stream_label, stream_noun

MIN_SYNC_MINUTES = 30
MAX_SYNC_MINUTES = 24 * 60


def validate_sync_interval(minutes: int) -> None:
    """PRODUCT 3.4: every 30 minutes at least, 24 hours at most, whole hours above one hour."""
    if minutes < MIN_SYNC_MINUTES or minutes > MAX_SYNC_MINUTES:
        raise ValidationError("Sync every 30 minutes at the most often and every 24 hours at most.")
    if minutes > 60 and minutes % 60:
        raise ValidationError("Above one hour, the sync frequency must be a whole number of hours.")
    if minutes < 60 and minutes != MIN_SYNC_MINUTES:
        raise ValidationError("Below one hour, the only frequency is every 30 minutes.")


class ErasableEncryptedTextField(EncryptedTextField):
    """Encrypted at rest (Fernet), except the empty value, which is stored empty.

    A disconnect erases the credentials: the column must then hold nothing, not the encryption
    of nothing (which still says a value was there and only looks like a secret)."""

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value == "":
            return ""
        return super().get_db_prep_save(value, connection)


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    ERROR = "error", "Error"
    DISCONNECTED = "disconnected", "Disconnected"


class ErrorAction(models.TextChoices):
    """What the admin must do about the last error; shown beside it on the connection page."""

    NONE = "", "Nothing"
    REENTER_KEY = "reenter_key", "Re-enter the API key"
    RECONNECT = "reconnect", "Sign in to the provider again (reconnect)"
    FIX_PERMISSIONS = "fix_permissions", "Fix the key's permissions"
    SELECT_REGION = "select_region", "Select the other region"
    UPGRADE_PLAN = "upgrade_plan", "Use an account whose plan includes the API"
    RETRY = "retry", "Try again later"


class Connection(models.Model):
    """One account of one provider. Disconnecting keeps the row (and the evidence synced from it)
    and erases its credentials.

    Credentials are a JSON object encrypted at rest (Fernet, FIELD_ENCRYPTION_KEY), empty once
    disconnected; only ``credential_hint`` (the key's last four characters) is ever rendered.
    """

    provider = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=20, choices=ConnectionStatus.choices)
    region = models.CharField(max_length=8)
    credentials = ErasableEncryptedTextField(blank=True)
    credential_hint = models.CharField(max_length=8, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField()
    # Who stopped it, and when (cleared when it connects again).
    disconnected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disconnected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_error = models.TextField(blank=True)
    last_error_action = models.CharField(
        max_length=20, choices=ErrorAction.choices, blank=True, default=ErrorAction.NONE
    )
    last_error_at = models.DateTimeField(null=True, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(
        default=60, validators=[validate_sync_interval]
    )
    # How the credentials authenticate: "api_key" or "oauth" (PagerDuty offers both).
    auth_method = models.CharField(max_length=10, default="api_key")
    # The upstream account's name where known (PagerDuty subdomain), for display only.
    account_name = models.CharField(max_length=100, blank=True)
    # The upstream account's stable id, where it has one (JSM's cloudId, which a site rename
    # keeps). Kept after a disconnect: the row, and the evidence synced into it, stay that
    # account's, so connecting it to another account is refused (integrations/connect.py).
    account_id = models.CharField(max_length=100, blank=True)
    # Upstream ids of the services whose incidents count; empty means every service.
    service_ids = models.JSONField(default=list, blank=True)
    # Set once the admin has confirmed the services step; syncing starts then.
    services_confirmed_at = models.DateTimeField(null=True, blank=True)
    # While set and in the future, one worker is renewing the OAuth tokens (see oauth.py).
    token_refresh_until = models.DateTimeField(null=True, blank=True)
    # Where staff report incidents (shown on the staff "Report an incident" page).
    report_email = models.EmailField(blank=True)
    # The optional streams an admin switched off (names, sorted): no sync reads them. Every
    # other stream is on (integrations/stream_switches.py).
    streams_off = models.JSONField(default=list, blank=True)
    # Who switched each of those off and when, for the Data library's notice:
    # {"alerts": {"at": ISO time, "by": username, or "" for the command line}}.
    streams_off_since = models.JSONField(default=dict, blank=True)
    # The move off a provider that ends (Provider.end_of_life, integrations/moves.py): the
    # connection that carries its history on, and the day this one stops syncing. Empty until
    # an admin sets the move; the connection, and its incidents, stay as evidence after it.
    moved_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="moved_from"
    )
    moved_on = models.DateField(null=True, blank=True)
    # When a sync failed after the move was set: the source stopped answering, so its syncing
    # stopped then, before the stop date.
    stopped_answering_at = models.DateTimeField(null=True, blank=True)
    # How many of its incidents count again because its successor was disconnected: they had
    # been counted by the successor's records, which stopped counting (incidents/moves.py).
    # Back to 0 when the successor is connected again and they are matched again.
    counted_again = models.PositiveIntegerField(default=0)

    class Meta:
        permissions = [("manage_connection", "Can connect, edit and disconnect integrations")]

    def __str__(self) -> str:
        return f"{self.provider} ({self.get_status_display()})"

    def get_credentials(self) -> dict[str, Any]:
        """The decrypted credentials; {} once a disconnect erased them."""
        return json.loads(self.credentials) if self.credentials else {}

    def set_credentials(self, values: dict[str, Any], *, hint: str) -> None:
        self.credentials = json.dumps(values)
        self.credential_hint = hint

    def erase_credentials(self) -> None:
        self.credentials = ""
        self.credential_hint = ""

    @property
    def status_label(self) -> str:
        """The status as shown: a connection waiting for its services step says so, since
        nothing syncs until then."""
        if self.status == ConnectionStatus.CONNECTED and self.services_confirmed_at is None:
            return "Connected: choose services to start syncing"
        if self.status != ConnectionStatus.DISCONNECTED and self.has_moved:
            if self.successor_disconnected:
                return "Moved, but its successor is disconnected: its incidents count here again"
            return "Moved: kept as evidence, not synced"
        return self.get_status_display()

    @property
    def status_style(self) -> str:
        """The status badge's style: Connected's check mark only once nothing is left to do; a
        connection waiting for its services step needs the admin's attention."""
        if self.status == ConnectionStatus.CONNECTED and self.services_confirmed_at is None:
            return "attention"
        return self.status

    def stream_is_on(self, name: str) -> bool:
        return name not in self.streams_off

    def get_provider_name(self) -> str:
        """The provider's name as people read it (its slug when no longer registered)."""
        return provider_name(self.provider)

    @property
    def has_moved(self) -> bool:
        """Its move has taken effect: the stop date has come (today in the site's time zone),
        or it stopped answering after the move was set. Nothing syncs it any more."""
        if self.moved_to_id is None:
            return False
        if self.stopped_answering_at is not None:
            return True
        return self.moved_on is not None and timezone.localdate() >= self.moved_on

    @property
    def reads_details_only(self) -> bool:
        """Moved, but its syncs still read the details queued before the move (incident notes
        and timelines, alert logs, notes and recipients: a bounded number a run, oldest
        first), and nothing else, until none waits: while the source answers, it is connected,
        and its provider has not ended (integrations/sync/engine.py)."""
        if not self.has_moved or self.stopped_answering_at is not None:
            return False
        if self.status == ConnectionStatus.DISCONNECTED:
            return False
        provider = providers().get(self.provider)
        end = provider.end_of_life if provider else None
        return end is None or timezone.localdate() <= end

    @property
    def successor_disconnected(self) -> bool:
        """A move was set, and the connection it moves to has been disconnected since."""
        if self.moved_to_id is None:
            return False
        return self.moved_to.status == ConnectionStatus.DISCONNECTED  # type: ignore[union-attr]

    @property
    def is_active(self) -> bool:
        """Connected or in error: the admin still wants it; only Disconnected stops everything."""
        return self.status != ConnectionStatus.DISCONNECTED


class ProviderService(models.Model):
    """A service of a connected account (PagerDuty /services), refreshed by every sync.

    Services that disappear upstream are flagged, not deleted: a selection may still name them."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="services")
    upstream_id = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, blank=True)
    upstream_url = models.URLField(max_length=500, blank=True)
    # The owning team's upstream id (OpsGenie's teamId; "" where the upstream has none): the
    # readiness checks follow it to the team's escalations.
    team_id = models.CharField(max_length=100, blank=True, default="")
    deleted_upstream = models.BooleanField(default=False)
    synced_at = models.DateTimeField()
    # For the Data library's services pages: the name folded for search (lib.search.fold), when
    # a sync first stored it (None: before the library showed services), and the item as
    # upstream sent it, for display only.
    search_text = models.CharField(max_length=255, blank=True, default="")
    first_seen_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "upstream_id"], name="service_unique_per_connection"
            )
        ]
        ordering = ["name", "upstream_id"]

    def __str__(self) -> str:
        return self.name


class SyncTrigger(models.TextChoices):
    CONNECT = "connect", "Connect"
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Manual"
    COMMAND = "command", "Command line"


class SyncKind(models.TextChoices):
    INCREMENTAL = "incremental", "Incremental"
    FULL = "full", "Full reconciliation"


# The error of a run stopped because its connection was disconnected while it ran.
STOPPED_BY_DISCONNECT = (
    "The integration was disconnected while this sync ran: it stopped there. What it stored is "
    "kept."
)


class SyncOutcome(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # Incidents were read, another stream (services, ...) failed after its retries.
    PARTIAL = "partial", "Partial"
    # Its worker died (killed, restarted, the machine stopped): its heartbeat went stale.
    INTERRUPTED = "interrupted", "Interrupted"


class SyncRun(models.Model):
    """One sync of one connection: what triggered it, what it fetched and wrote, how it ended.

    At most one run per connection is RUNNING at a time: a partial unique index enforces it in
    the database itself, so two workers (or machines) cannot both start one.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=20, choices=SyncTrigger.choices)
    kind = models.CharField(max_length=20, choices=SyncKind.choices)
    outcome = models.CharField(
        max_length=20, choices=SyncOutcome.choices, default=SyncOutcome.RUNNING
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written with progress and, while the run waits, on its own: a run silent longer than
    # SYNC_STALE_AFTER_SECONDS lost its worker (integrations/sync/liveness.py).
    heartbeat_at = models.DateTimeField()
    counts = models.JSONField(default=dict, blank=True)
    http_calls = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(outcome="running"),
                name="one_running_sync_per_connection",
            )
        ]
        indexes = [models.Index(fields=["connection", "-started_at"], name="syncrun_newest")]

    def __str__(self) -> str:
        return f"{self.connection.provider} {self.kind} sync {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def streams(self) -> list[StreamSummary]:
        """Every stream this run read, in the order it read them, for display."""
        return [
            StreamSummary(name, counts)
            for name, counts in self.counts.items()
            if isinstance(counts, dict)
        ]

    @property
    def other_streams(self) -> list[StreamSummary]:
        """The streams besides incidents (whose numbers have columns of their own)."""
        return [stream for stream in self.streams if stream.name != "incidents"]

    @property
    def summary(self) -> str:
        """How this run ended, in words, for a run that did not finish well (else its error)."""
        return run_summary(outcome=self.outcome, counts=self.counts, error=self.error)

    @property
    def stopped_clause(self) -> str:
        """An interrupted run, after "The last sync ": "stopped unexpectedly at 2,300 fetched;
        what it stored is kept (...)"."""
        return _stopped(self.counts, self.error)


class StreamSummary:
    """One stream's counts in a SyncRun, read by the sync card and history."""

    def __init__(self, name: str, counts: dict[str, object]) -> None:
        self.name, self.counts = name, counts
        self.label = stream_label(name)
        self.skipped = str(counts.get("skipped") or "")
        self.error = str(counts.get("error") or "")
        self.resumed_from = str(counts.get("resumed_from") or "")
        self.fetched, self.created, self.updated = (
            _count(counts, "fetched"),
            _count(counts, "created"),
            _count(counts, "updated"),
        )
        self.unchanged, self.deleted = _count(counts, "unchanged"), _count(counts, "deleted")
        # A details stream's bound, and how many records still wait for their details.
        self.per_run, self.pending = _count(counts, "per_run"), _count(counts, "pending")


def _count(counts: dict[str, object], name: str) -> int:
    value = counts.get(name, 0)
    return value if isinstance(value, int) else 0


def run_summary(*, outcome: str, counts: object, error: str) -> str:
    """The one wording of a failed or interrupted run (sync card, history, dashboard, command).

    It says what the run stored before it ended: pages are written as they arrive, so a run that
    failed on its third page has kept its first two, and "nothing was saved" would be false."""
    if outcome == SyncOutcome.FAILED:
        stored = stored_phrase(counts)
        if stored:
            return f"{stored[0].upper()}{stored[1:]}, then failed: {error}"
        return f"Nothing was saved before it failed: {error}"
    if outcome == SyncOutcome.INTERRUPTED:
        clause = _stopped(counts, error)
        return f"{clause[0].upper()}{clause[1:]}."
    return error


def stored_phrase(counts: object) -> str:
    """What a run wrote, every stream in the order read: "updated 115 and created 3 incidents,
    created 2 services"; empty when it wrote nothing."""
    if not isinstance(counts, dict):
        return ""
    phrases = []
    for name, values in counts.items():
        if not isinstance(values, dict):
            continue
        noun = stream_noun(name)
        updated, created = _count(values, "updated"), _count(values, "created")
        deleted = _count(values, "deleted")
        verbs = [f"{verb} {n:,}" for verb, n in (("updated", updated), ("created", created)) if n]
        if verbs:
            phrases.append(f"{' and '.join(verbs)} {_number(noun, updated + created)}")
        if deleted:
            phrases.append(f"marked {deleted:,} {_number(noun, deleted)} deleted upstream")
    return ", ".join(phrases)


def _stopped(counts: object, error: str) -> str:
    streams = counts if isinstance(counts, dict) else {}
    # The number the card showed while the run was alive ("Syncing… 2300 incidents fetched").
    reading = streams.get("incidents")
    if not isinstance(reading, dict):
        reading = {
            "fetched": sum(_count(v, "fetched") for v in streams.values() if isinstance(v, dict))
        }
    stored = stored_phrase(streams)
    kept = f"what it stored is kept ({stored})" if stored else "it had stored nothing yet"
    how = (
        "when the integration was disconnected"
        if error == STOPPED_BY_DISCONNECT
        else "unexpectedly"
    )
    return f"stopped {how} at {_count(reading, 'fetched'):,} fetched; {kept}"


def _number(noun: str, count: int) -> str:
    """ "1 incident", "2 incidents": stream labels are plurals."""
    return noun[:-1] if count == 1 and noun.endswith("s") else noun
