"""The provider contract: what every provider package declares, once, in its ``provider.py``.

A provider package has the same files as ``providers/opsgenie``; what the rest of the product
reads from it goes through the ``Provider`` below, and ``registry.py`` is the only list of them.

This module imports nothing from Django, nor from the rest of the product: the registry (which
the sandbox server reads) imports it, and the modules a provider names here import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from typing import Any, Protocol


class KeyForm(Protocol):
    """What the wizard and ``manage.py connect`` use of a key form (an ApiKeyForm subclass,
    integrations/forms.py)."""

    cleaned_data: dict[str, Any]
    errors: Mapping[str, Any]

    def is_valid(self) -> bool: ...


@dataclass(frozen=True)
class Region:
    slug: str
    label: str


@dataclass(frozen=True)
class Link:
    url_name: str
    label: str


@dataclass(frozen=True)
class Revocation:
    """What revoking a connection's credentials upstream came to: nothing to revoke (the
    default), revoked, or a ``problem``: what the admin must still do in the provider."""

    revoked: bool = False
    problem: str = ""


@dataclass(frozen=True)
class StreamInfo:
    """One stream a provider's source reads, as admins are told of it: on the wizard's Review
    step and the connection page. ``needs`` says what the credentials need to read it; an
    ``optional`` stream can be switched off per connection (the incidents stream, which decides
    a run, never is)."""

    name: str  # the engine's stream name: "incidents", "alerts", ...
    label: str
    needs: str
    optional: bool = True


@dataclass(frozen=True)
class MoveRef:
    """How a successor's incident names the same incident of the provider it replaces: its
    external ref ``ref`` (``Incident.external_refs``) holds the value of the predecessor's
    incident ``field`` ("number": OpsGenie's tiny id)."""

    predecessor: str  # the slug of the provider moved from
    ref: str
    field: str = "number"


@dataclass(frozen=True)
class LibraryKind:
    """A kind of configuration object the Data library shows (one of the provider's streams,
    whose records are ``integrations.config_records.ConfigRecord``): how it is labelled, which
    columns and filters fit it, and which canonical ``role`` it plays for the readiness checks
    ("teams", "escalations", "schedules", "on_calls", "heartbeats"; "" for none)."""

    name: str  # the stream's name, and the URL's: "teams"
    label: str  # "Teams"
    singular: str  # "team"
    about: str  # one line for the list page: what it is and how it is synced
    # How a sync reads it, said after ``about``: a whole listing (the default), or only the
    # newest entries of a log (older ones are kept, and none is marked removed while more exist).
    read_whole: bool = True
    role: str = ""
    # The states its records take and the filter offers ((value, label)); none: no state column.
    states: tuple[tuple[str, str], ...] = ()
    # On a record's page: the objects of other kinds that name this one (relation, heading).
    named_by: tuple[tuple[str, str], ...] = ()
    filters: tuple[str, ...] = ("team",)
    # The kind holding the teams a record names by id only (its name is read from there).
    team_kind: str = "teams"
    # An escalation kind: how a service reaches it. "team": the escalations its team owns
    # (rules notify recipients); "policy": the escalation policy naming the service (levels of
    # targets, which may loop).
    reached_by: str = "team"
    # An escalation kind repeating: the upstream setting that makes it repeat, as admins know
    # it ("" when the wording needs none).
    repeat_setting: str = ""
    # The plural, where adding an "s" to ``singular`` would not give it ("alert policies").
    plural: str = ""
    # The stream its records come from, when not ``name``: "services" (shared by providers),
    # whose records are the connection's services (``integrations.models.ProviderService``,
    # which the service selection and the checks read too) rather than library objects.
    stream: str = ""

    @property
    def holds_services(self) -> bool:
        """Its records are the provider's services (the "services" stream)."""
        return self.stream == "services"

    @property
    def many(self) -> str:
        """Its name for several records ("teams")."""
        return self.plural or f"{self.singular}s"


@dataclass(frozen=True)
class Provider:
    # The package, e.g. "integrations.providers.opsgenie": its source, urls, templates and
    # sandbox are found there by name (see the properties below).
    package: str
    slug: str
    name: str
    # What it is used for, as shown on the catalog card: "Incident management", ...
    uses: tuple[str, ...]
    summary: str
    regions: tuple[Region, ...]
    # The Django setting mapping each region's slug to the API's base URL.
    base_urls_setting: str
    logo_static: str
    # The URL name of the first wizard step; the connection page is ``url_name``.
    connect_url_name: str
    # The API-key path (the wizard's key step and ``manage.py connect``); None when there is
    # none. validate_key(api_key=, region=) returns None or what the admin must fix (a
    # ValidationFailure, integrations/validation.py).
    key_form: Callable[..., KeyForm] | None = None
    validate_key: Callable[..., Any] | None = None
    # The admin chooses which of the account's services count (``manage.py connect --services``).
    service_selection: bool = False
    # Each region is a separate account (OpsGenie's US and EU services): once a connection has
    # synced, a key of another region is refused (integrations/connect.py), since the row and
    # its evidence stay the first account's. False where the provider handles another account
    # itself (PagerDuty chooses its services again).
    region_is_account: bool = False
    # Its credentials are not one API key and a region: ``manage.py connect <slug>`` reads its
    # own arguments, through ``command_module`` (see there).
    own_command_line: bool = False
    # The page where an admin sets the address staff report incidents to.
    report_address_link: Link | None = None
    # The day the upstream ends, for a provider that does (OpsGenie): its connection page
    # offers the move to a successor, and a check counts the days left (integrations/moves.py).
    end_of_life: date | None = None
    # The providers (slugs) its connections may move to before the end of life.
    successors: tuple[str, ...] = field(default=())
    # On a successor: how its incidents name the predecessor's, so that the move counts an
    # incident both record once (incidents/moves.py).
    move_refs: tuple[MoveRef, ...] = field(default=())
    # Whose account the stored credentials act as, from the decrypted credentials: the email of
    # the person whose API token dies with them (JSM). None: they belong to no one person.
    credential_owner: Callable[[Mapping[str, Any]], str] | None = None
    search_terms: tuple[str, ...] = field(default=())
    # The user-account roles the upstream names, (value as AccountRecord.role, label), from the
    # most to the least privileged; an account's custom role is offered as seen. Empty when the
    # provider syncs no accounts.
    account_roles: tuple[tuple[str, str], ...] = field(default=())
    # What the credential needs to read the accounts stream, said where it cannot.
    accounts_need: str = ""
    # The Data library's objects its source reads, by stream name (e.g. "alerts"): the apps that
    # keep them ask this, never a provider's name.
    library_streams: tuple[str, ...] = field(default=())
    # The Data library's configuration kinds its source reads (one stream each), in the order
    # the library lists them.
    library_kinds: tuple[LibraryKind, ...] = field(default=())
    # Every stream its source reads, in the order read, with what each needs from the key.
    # Later streams (alert details, teams, schedules...) only declare themselves here.
    streams: tuple[StreamInfo, ...] = field(default=())
    # Called with the connection before a disconnect erases its credentials, to revoke them
    # upstream where the provider can (OAuth tokens); returns a Revocation. The disconnect goes
    # on whatever it says.
    revoke_credentials: Callable[..., Revocation] | None = None

    @property
    def source_module(self) -> str:
        """The module the sync engine calls: ``open_source(connection, *, stats, sleep)`` and
        ``describe_error(error, *, connection)``."""
        return f"{self.package}.source"

    @property
    def open_source(self) -> Callable[..., Any]:
        return import_module(self.source_module).open_source  # type: ignore[no-any-return]

    @property
    def describe_error(self) -> Callable[..., tuple[str, str]]:
        return import_module(self.source_module).describe_error  # type: ignore[no-any-return]

    @property
    def command_module(self) -> str:
        """With ``own_command_line``: the module ``manage.py connect`` calls, which has
        ``OPTIONS`` (the argument names it adds, refused for other providers),
        ``add_arguments(parser)`` and ``connect(options) -> str`` (the line printed on success;
        it raises CommandError with the wizard's message on failure)."""
        return f"{self.package}.command"

    @property
    def urls(self) -> str:
        """The wizard's and connection page's URLconf, included under ``<slug>/``."""
        return f"{self.package}.urls"

    @property
    def sandbox_package(self) -> str:
        """The emulator the sandbox server mounts (never imported by product code)."""
        return f"{self.package}.sandbox"

    @property
    def url_name(self) -> str:
        """The connection page."""
        return f"integrations:{self.slug}"

    @property
    def disconnect_url_name(self) -> str:
        return f"integrations:{self.slug}-disconnect"

    @property
    def detail_template(self) -> str:
        return f"integrations/{self.slug}/detail.html"

    @property
    def wizard_template(self) -> str:
        return f"integrations/{self.slug}/wizard.html"

    def make_key_form(
        self, data: Mapping[str, Any] | None = None, *, initial: Mapping[str, Any] | None = None
    ) -> KeyForm:
        """The key form, offering this provider's regions."""
        if self.key_form is None:
            raise ValueError(f"{self.name} has no API-key path.")
        return self.key_form(data, initial=initial or {}, regions=self.regions)

    @property
    def optional_streams(self) -> tuple[StreamInfo, ...]:
        """The streams an admin may switch off for a connection."""
        return tuple(stream for stream in self.streams if stream.optional)

    def matches(self, query: str) -> bool:
        haystack = " ".join((self.name, self.summary, *self.uses, *self.search_terms)).lower()
        return all(word in haystack for word in query.lower().split())
