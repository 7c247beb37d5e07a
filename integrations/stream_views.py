"""Per-connection stream switches: the connection page's form, and the wizard's Review step's
choice, kept in the session until the key is accepted (the connection does not exist before).

Every provider declares its streams (``Provider.streams``); an optional one can be switched off,
the others are always read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import require_permissions
from integrations.models import Connection
from integrations.providers.base import Provider, StreamInfo
from integrations.selectors import streams_switched_off
from integrations.services import StreamSwitchRefused, connection_set_streams
from integrations.sync.views import provider_and_connection
from lib import widgets as fast_widgets

MANAGE = "integrations.manage_connection"


class StreamSwitchForm(forms.Form):
    """The optional streams to read; those left unticked are switched off."""

    on = forms.MultipleChoiceField(
        label="Read these", required=False, widget=fast_widgets.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, provider: Provider, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["on"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(stream.name, stream.label) for stream in provider.optional_streams]


@dataclass(frozen=True)
class StreamRow:
    """One declared stream as the pages show it."""

    info: StreamInfo
    on: bool
    off_at: datetime | None = None
    off_by: str = ""


def stream_rows(provider: Provider, connection: Connection | None) -> list[StreamRow]:
    """Every stream the provider declares, on or off for ``connection`` (None: all on)."""
    off = {
        item.stream: item
        for item in (streams_switched_off(connection=connection) if connection else [])
    }
    rows = []
    for info in provider.streams:
        switched = off.get(info.name)
        if switched is None:
            rows.append(StreamRow(info, on=True))
        else:
            rows.append(StreamRow(info, on=False, off_at=switched.at, off_by=switched.by))
    return rows


@require_permissions(read=None, write=MANAGE)
@require_POST
def stream_switches(request: HttpRequest, provider: str) -> HttpResponse:
    registered, connection = provider_and_connection(provider)
    form = StreamSwitchForm(request.POST, provider=registered)
    if not form.is_valid():
        messages.error(request, "The streams were not changed: pick from the streams listed.")
        return redirect(registered.url_name)
    try:
        changed = connection_set_streams(
            connection=connection, on=form.cleaned_data["on"], user=request.user
        )
    except StreamSwitchRefused as refused:
        messages.error(request, f"The streams were not changed: {refused}")
        return redirect(registered.url_name)
    if changed:
        labels = {stream.name: stream.label for stream in registered.streams}
        told = ", ".join(
            f"{labels[name]} {'on' if connection.stream_is_on(name) else 'off'}" for name in changed
        )
        messages.success(request, f"Streams saved: {told}.")
    else:
        messages.info(request, "Nothing changed.")
    return redirect(registered.url_name)


def _session_key(provider: Provider) -> str:
    return f"{provider.slug}-streams-on"


def wizard_streams_save(request: HttpRequest, provider: Provider) -> StreamSwitchForm:
    """The Review step's choice, held until the key is accepted."""
    form = StreamSwitchForm(request.POST, provider=provider)
    if form.is_valid():
        request.session[_session_key(provider)] = list(form.cleaned_data["on"])
    return form


def wizard_streams_form(request: HttpRequest, provider: Provider) -> StreamSwitchForm:
    """The Review step's form: what the admin chose before, else every stream on."""
    chosen = request.session.get(_session_key(provider))
    names = [stream.name for stream in provider.optional_streams]
    on = [name for name in names if chosen is None or name in chosen]
    return StreamSwitchForm(provider=provider, initial={"on": on})


def wizard_streams_off(request: HttpRequest, provider: Provider) -> list[str] | None:
    """The streams the admin switched off on the Review step, once (None: no choice made)."""
    chosen = request.session.pop(_session_key(provider), None)
    if not isinstance(chosen, list):
        return None
    return [stream.name for stream in provider.optional_streams if stream.name not in chosen]


def wizard_review_step(
    request: HttpRequest,
    provider: Provider,
    *,
    next_url: str,
    render_step: Callable[[HttpRequest, dict[str, object]], HttpResponse],
) -> HttpResponse:
    """A key wizard's Review step: what each stream needs from the key, the optional streams'
    switches (held in the session until the key is accepted), Next to ``next_url``."""
    if request.method == "POST":
        form = wizard_streams_save(request, provider)
        if form.is_valid():
            if request.htmx:
                return HttpResponseClientRedirect(reverse(next_url))
            return redirect(next_url)
    else:
        form = wizard_streams_form(request, provider)
    on = form.initial.get("on") if not form.is_bound else request.POST.getlist("on")
    context = {
        "step": 1,
        "mode": "connect",
        "streams": provider.streams,
        "streams_on": on,
        "streams_form": form,
    }
    return render_step(request, context)
