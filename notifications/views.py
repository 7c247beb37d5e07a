"""Settings → Notifications: the channels, their delivery logs, and what each delivery sent.

Admins (notifications.manage_channel) add, edit, test, disable, enable and delete channels;
auditors read everything. No page ever shows a key: only its last 4 characters.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.permissions import require_permissions
from lib.concurrency import ChangedMeanwhile, RefusedMeanwhile
from notifications.channel_state import disable_channel, enable_channel
from notifications.forms import ChannelForm, DeliveryFilterForm
from notifications.models import Channel, ChannelKind, Delivery, DeliveryStatus
from notifications.selectors import channel_rows, channel_summary, filtered_deliveries
from notifications.services import channel_delete, channel_save
from notifications.switch import (
    SwitchRefused,
    can_switch,
    channel_switch_to_jsm,
    opsgenie_end_of_life,
)
from notifications.trial import Trial, any_refused, run_trial

VIEW = "notifications.view_channel"
MANAGE = "notifications.manage_channel"
PAGE_SIZE = 50


@require_permissions(read=VIEW)
def channels(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/channels.html",
        {"rows": channel_rows(), "kinds": ChannelKind.choices},
    )


def _answers(trials: list[Trial]) -> dict[str, object]:
    """What notifications/_trials.html reads: the answers to Test, and whether one was not
    accepted."""
    return {"trials": trials, "trials_failed": any_refused(trials)}


def _kind(kind: str) -> str:
    if kind not in ChannelKind.values:
        raise Http404("No such channel type.")
    return kind


@require_permissions(read=MANAGE, write=MANAGE)
def channel_new(request: HttpRequest, kind: str) -> HttpResponse:
    """Add a channel; "Test integration" sends the test alerts with what is typed, unsaved."""
    kind = _kind(kind)
    form = ChannelForm(
        request.POST if request.method == "POST" else None, kind=kind, instance=Channel(kind=kind)
    )
    trials: list[Trial] = []
    if request.method == "POST" and form.is_valid():
        if "test" in request.POST:
            # What is typed, unsaved: the answers are shown, nothing is logged.
            trials = run_trial(form.save(commit=False), by=request.user, record=False)
        else:
            try:
                channel = channel_save(form, by=request.user)
            except RefusedMeanwhile as refused:
                form = refused.form  # type: ignore[assignment]
            else:
                messages.success(request, f"Channel “{channel.name}” added. Test it below.")
                return redirect("notifications:channel", channel_id=channel.pk)
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "kind": kind,
        "kind_label": ChannelKind(kind).label,
        **_answers(trials),
    }
    return render(request, "notifications/channel_form.html", context, status=status)


@require_permissions(read=MANAGE, write=MANAGE)
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    form = ChannelForm(
        request.POST if request.method == "POST" else None, kind=channel.kind, instance=channel
    )
    trials: list[Trial] = []
    if request.method == "POST" and form.is_valid():
        if "test" in request.POST:
            # What is typed, unsaved: the answers are shown, nothing is logged.
            trials = run_trial(form.save(commit=False), by=request.user, record=False)
        else:
            try:
                channel_save(form, by=request.user)
            except ChangedMeanwhile as conflict:
                form = conflict.reshow(form)
            except RefusedMeanwhile as refused:
                form = refused.form  # type: ignore[assignment]
            else:
                messages.success(request, f"Channel “{channel.name}” saved.")
                return redirect("notifications:channel", channel_id=channel.pk)
    status = 400 if form.errors else 200
    if form.errors:
        channel = Channel.objects.get(pk=channel_id)  # validation wrote the typed values onto it
    context = {
        "form": form,
        "kind": channel.kind,
        "kind_label": channel.get_kind_display(),
        "channel": channel,
        **_answers(trials),
    }
    return render(request, "notifications/channel_form.html", context, status=status)


@require_permissions(read=VIEW)
def channel_detail(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    filters = DeliveryFilterForm(request.GET or None, statuses=DeliveryStatus.choices)
    deliveries = filtered_deliveries(channel, filters)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "channel": channel,
        "summary": channel_summary(channel),
        "filters": filters,
        "page": page,
        "deliveries": list(page.object_list),
        "can_switch": can_switch(channel),
        "end_of_life": opsgenie_end_of_life(),
    }
    return render(request, "notifications/channel.html", context)


@require_permissions(read=VIEW, write=MANAGE)
def channel_switch(request: HttpRequest, channel_id: int) -> HttpResponse:
    """POST: the one-click switch of an OpsGenie channel to Jira Service Management."""
    channel = get_object_or_404(Channel, pk=channel_id)
    if request.method != "POST":
        return redirect("notifications:channel", channel_id=channel_id)
    version = request.POST.get("version", "")
    try:
        if not version.isdigit() or len(version) > 9:
            raise SwitchRefused("The page was out of date; look again, then switch.")
        channel_switch_to_jsm(channel, by=request.user, loaded_version=int(version))
    except SwitchRefused as refused:
        messages.error(request, f"{refused} Nothing was changed.")
    except ChangedMeanwhile:
        messages.error(
            request,
            "Someone changed this channel meanwhile: look again, then switch. Nothing was changed.",
        )
    else:
        messages.success(
            request,
            f"Channel “{channel.name}” now sends to Jira Service Management with the same key. "
            "Press Test integration: if JSM refuses the key, edit the channel with the key of "
            "the team's API integration in JSM Operations.",
        )
    return redirect("notifications:channel", channel_id=channel_id)


@require_permissions(read=VIEW, write=MANAGE)
def channel_test(request: HttpRequest, channel_id: int) -> HttpResponse:
    """POST: send one test alert per chosen group, log them as test deliveries, show the
    answers. (GET has nothing of its own: the button is on the channel's page.)"""
    channel = get_object_or_404(Channel, pk=channel_id)
    if request.method != "POST":
        return redirect("notifications:channel", channel_id=channel_id)
    trials = run_trial(channel, by=request.user, record=True)
    return render(
        request,
        "notifications/channel_test.html",
        {"channel": channel, **_answers(trials)},
    )


@require_permissions(read=VIEW, write=MANAGE)
def channel_toggle(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    if request.method != "POST":
        return redirect("notifications:channel", channel_id=channel_id)
    if request.POST.get("enabled") == "1":
        if channel.enabled:
            messages.info(request, f"Channel “{channel.name}” is already enabled.")
        else:
            enable_channel(channel, by=request.user)
            messages.success(request, f"Channel “{channel.name}” enabled: it sends again.")
    elif request.POST.get("enabled") == "0":
        if not channel.enabled:
            messages.info(request, f"Channel “{channel.name}” is already disabled.")
        else:
            disable_channel(
                channel, by=request.user, automatically=False, reason="Disabled by a person."
            )
            messages.success(request, f"Channel “{channel.name}” disabled: it sends nothing.")
    else:
        messages.error(request, "Choose Enable or Disable; nothing was changed.")
    return redirect("notifications:channel", channel_id=channel_id)


@require_permissions(read=MANAGE, write=MANAGE)
def channel_delete_view(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    if request.method == "POST":
        name = channel.name
        channel_delete(channel, by=request.user)
        messages.success(request, f"Channel “{name}” and its delivery log were deleted.")
        return redirect("notifications:channels")
    count = channel.deliveries.count()
    return render(
        request, "notifications/channel_delete.html", {"channel": channel, "count": count}
    )


@require_permissions(read=VIEW)
def delivery_detail(request: HttpRequest, channel_id: int, delivery: int) -> HttpResponse:
    found = get_object_or_404(
        Delivery.objects.select_related("channel"), pk=delivery, channel=channel_id
    )
    back = reverse("notifications:channel", kwargs={"channel_id": channel_id})
    return render(
        request,
        "notifications/delivery.html",
        {
            "delivery": found,
            "attempts": list(found.attempts.all()),
            "back": back,
            "payload_json": json.dumps(found.payload, indent=2, ensure_ascii=False),
        },
    )
