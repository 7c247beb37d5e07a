"""Every registered provider satisfies the contract of integrations/providers/base.py, and the
registry is the only list: adding a provider is one package plus one line in registry.py."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.urls import reverse

from integrations.http import CallStats
from integrations.providers.base import Provider
from integrations.providers.registry import PACKAGES, providers
from tests.conftest import make_connection

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = list(providers().values())


def _package_dir(provider: Provider) -> Path:
    spec = importlib.util.find_spec(provider.package)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def _without_django(code: str) -> None:
    """Run ``code`` in a fresh interpreter that has no Django settings, then check it imported
    nothing of Django."""
    check = f"{code}\nimport sys\nassert not [m for m in sys.modules if m.startswith('django')]"
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True, env={})  # noqa: S603


def test_the_registry_and_the_provider_packages_import_without_django() -> None:
    # The sandbox server reads PACKAGES and imports each package's emulator.
    _without_django(
        "from integrations.providers.registry import PACKAGES\n"
        "import importlib\n"
        "for package in PACKAGES: importlib.import_module(package)"
    )


def test_each_package_declares_one_provider_of_its_own() -> None:
    assert [provider.package for provider in PROVIDERS] == list(PACKAGES)
    assert len({provider.slug for provider in PROVIDERS}) == len(PACKAGES)
    for provider in PROVIDERS:
        assert provider.package.rsplit(".", 1)[-1] == provider.slug


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_it_names_what_the_catalog_shows(provider: Provider) -> None:
    assert provider.name and provider.summary and provider.uses and provider.regions
    logo = finders.find(provider.logo_static)
    assert logo and Path(logo).is_relative_to(_package_dir(provider))


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_every_region_has_a_base_url_setting(provider: Provider) -> None:
    base_urls = getattr(settings, provider.base_urls_setting)
    for region in provider.regions:
        assert base_urls[region.slug].startswith("https://")


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_its_settings_come_from_its_own_conf_module(provider: Provider, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The environment names the hosts; the package's conf.py reads it, no settings file does.
    conf = importlib.import_module(f"{provider.package}.conf")
    for region in provider.regions:
        monkeypatch.setenv(f"{provider.slug.upper()}_{region.slug.upper()}_URL", "https://x.test/")
    declared = conf.settings()
    assert set(declared[provider.base_urls_setting]) == {r.slug for r in provider.regions}
    assert all(url == "https://x.test" for url in declared[provider.base_urls_setting].values())


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_its_pages_resolve_under_its_slug(provider: Provider) -> None:
    prefix = f"/settings/integrations/{provider.slug}/"
    names = [provider.url_name, provider.connect_url_name, provider.disconnect_url_name]
    if provider.report_address_link:
        names.append(provider.report_address_link.url_name)
    for name in names:
        assert reverse(name).startswith(prefix), name
    assert reverse(provider.url_name) == prefix


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_its_templates_live_in_its_package(provider: Provider) -> None:
    for name in (provider.detail_template, provider.wizard_template):
        origin = Path(get_template(name).origin.name)
        assert origin.is_relative_to(_package_dir(provider) / "templates"), name


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_its_source_gives_the_engine_what_it_calls(provider: Provider) -> None:
    assert callable(provider.open_source) and callable(provider.describe_error)


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_its_key_form_takes_a_pasted_key_and_offers_its_regions(provider: Provider) -> None:
    if provider.key_form is None:
        assert provider.validate_key is None and not provider.service_selection
        pytest.skip(f"{provider.name} has no API-key path")
    assert callable(provider.validate_key)
    form = provider.make_key_form({"api_key": "  k3y-0f-1ts-0wn \n", "region": "eu"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["api_key"] == "k3y-0f-1ts-0wn"
    offered = [slug for slug, _ in form.fields["region"].choices]  # type: ignore[attr-defined]
    assert offered == [region.slug for region in provider.regions]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_it_has_an_emulator_for_the_sandbox(provider: Provider) -> None:
    spec = importlib.util.find_spec(provider.sandbox_package)
    assert spec is not None and spec.submodule_search_locations is not None  # a package
    assert importlib.util.find_spec(f"{provider.sandbox_package}.mount") is not None


# Files that may name a provider outside its package: the test settings pin its real hosts.
ALLOWED = {"config/settings_test.py"}
# Notification channels send to OpsGenie's Alert API and PagerDuty's Events API: destinations
# of their own, with their own keys and endpoints, not the providers the sync reads.
ALLOWED_PREFIXES = ("notifications/", "templates/notifications/")


def test_no_provider_is_named_outside_its_package_and_the_registry() -> None:
    slugs = re.compile("|".join(provider.slug for provider in PROVIDERS))
    sources = [p for pattern in ("*.py", "*.html") for p in ROOT.rglob(pattern)]
    naming = {
        path
        for path in (p.relative_to(ROOT).as_posix() for p in sources)
        if not path.startswith((".", "tests/", "integrations/providers/"))
        and "/migrations/" not in path
        and slugs.search((ROOT / path).read_text())
    }
    naming = {path for path in naming if not path.startswith(ALLOWED_PREFIXES)}
    assert naming <= ALLOWED, sorted(naming - ALLOWED)


_CREDENTIALS = {
    "jsm": {"site": "acme", "email": "ops@example.com", "api_token": "t" * 24, "jql": "x"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.slug)
def test_what_each_stream_needs_reads_the_same_on_the_review_step_and_in_a_skipped_run(
    provider: Provider,
) -> None:
    # The Review step and the connection page show provider.streams (StreamInfo); a run that
    # skips a stream says the source's Stream.needs. Declared twice, they must not drift: the
    # same streams, and where the sync names a need, the one the admin was shown.
    connection = make_connection(provider=provider.slug)
    if provider.slug in _CREDENTIALS:
        connection.set_credentials(_CREDENTIALS[provider.slug], hint="x")
        connection.save()
    source = provider.open_source(connection, stats=CallStats(), sleep=None)
    try:
        read = {stream.name: stream for stream in source.streams()}
    finally:
        source.close()
    shown = {info.name: info for info in provider.streams}
    assert set(read) == set(shown)
    for name, stream in read.items():
        if stream.needs:
            assert stream.needs == shown[name].needs, name
        if stream.decides_status:
            assert not shown[name].optional, name
