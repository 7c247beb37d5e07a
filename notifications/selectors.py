"""What the notification pages read."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from lib.events import EventType
from notifications.forms import DeliveryFilterForm
from notifications.health import failure_ratios
from notifications.models import Channel, Delivery


@dataclass(frozen=True)
class ChannelSummary:
    channel: Channel
    last: Delivery | None
    failed: int
    judged: int

    @property
    def ratio_text(self) -> str:
        if not self.judged:
            return "No deliveries judged in the last 12 hours"
        percent = round(100 * self.failed / self.judged)
        return f"{percent}% failed ({self.failed} of {self.judged}) in the last 12 hours"

    @property
    def event_labels(self) -> list[str]:
        known = {t.value: t for t in EventType}
        return [known[v].label for v in self.channel.event_types if v in known]


def channel_summary(channel: Channel) -> ChannelSummary:
    return _summaries([channel])[0]


def channel_rows() -> list[ChannelSummary]:
    return _summaries(list(Channel.objects.order_by("name")))


def _summaries(channels: list[Channel]) -> list[ChannelSummary]:
    """The channels' summaries in two queries, however many channels there are."""
    ids = [channel.pk for channel in channels]
    newest = Delivery.objects.filter(channel=OuterRef("pk")).order_by("-created_at", "-id")
    last_ids = Channel.objects.filter(pk__in=ids).values(last=Subquery(newest.values("pk")[:1]))
    last = {row.channel_id: row for row in Delivery.objects.filter(pk__in=last_ids)}
    ratios = failure_ratios(ids, timezone.now())
    summaries = []
    for channel in channels:
        failed, judged = ratios.get(channel.pk, (0, 0))
        summaries.append(
            ChannelSummary(channel=channel, last=last.get(channel.pk), failed=failed, judged=judged)
        )
    return summaries


def disabled_channels() -> list[Channel]:
    """Channels that disabled themselves or were disabled: the dashboard says so."""
    return list(Channel.objects.filter(enabled=False).order_by("-disabled_at", "name"))


def filtered_deliveries(channel: Channel, filters: DeliveryFilterForm) -> QuerySet[Delivery]:
    """The channel's deliveries, newest first; a filter value the form refuses is ignored (the
    page shows the form's message)."""
    deliveries = channel.deliveries.order_by("-created_at", "-id").prefetch_related("attempts")
    if not filters.is_bound or not filters.is_valid():
        return deliveries
    status = filters.cleaned_data.get("status")
    if status:
        deliveries = deliveries.filter(status=status)
    event_type = filters.cleaned_data.get("event_type")
    if event_type == "test":
        deliveries = deliveries.filter(is_test=True)
    elif event_type:
        deliveries = deliveries.filter(event_type=event_type, is_test=False)
    return deliveries
