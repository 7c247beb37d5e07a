"""A key with characters no provider's key has (a paste gone wrong, another alphabet) is refused
on its field before any request: one outside Latin-1 cannot even be sent in a header, and made
every key form answer 500 (with DEBUG, a page that showed the key)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from integrations.models import Connection

pytestmark = pytest.mark.django_db

FORMS = {
    "opsgenie": (
        "/settings/integrations/opsgenie/connect/details/",
        "An OpsGenie API key is made of ASCII letters, digits and dashes only",
    ),
    "pagerduty": (
        "/settings/integrations/pagerduty/connect/key/",
        "A PagerDuty API key is made of ASCII letters, digits and the characters _ + - only",
    ),
}
# Cyrillic and a zero-width space from a rich-text paste (neither is Latin-1: the header cannot
# be encoded), and a Latin-1 letter no key has.
KEYS = ["ключ-645feccc-e9bf-5d23", "645feccc-e9bf\u200b-5d23-bcf3", "645feccc-é9bf-5d23-bcf3"]


@pytest.fixture
def both_sandboxes(sandbox, opsgenie_sandbox, settings):  # type: ignore[no-untyped-def]
    """Real HTTP to the emulators: a mocked transport would never encode the header."""
    settings.PAGERDUTY_BASE_URLS = {r: sandbox.pagerduty_url(r) for r in ("us", "eu")}
    return sandbox


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("provider", list(FORMS))
def test_the_wizard_refuses_a_key_of_other_characters_without_showing_it(
    admin_client, both_sandboxes, provider: str, key: str
) -> None:  # type: ignore[no-untyped-def]
    url, message = FORMS[provider]
    response = admin_client.post(url, {"api_key": key, "region": "us"})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert key not in page and "645feccc" not in page  # the secret is never sent back
    assert not Connection.objects.exists()


@pytest.mark.parametrize("provider", list(FORMS))
def test_editing_a_connection_refuses_it_too(admin_client, both_sandboxes, provider) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_connection

    connection = make_connection(provider=provider, api_key="Kept0Key1234567890ab")
    url = {
        "opsgenie": "/settings/integrations/opsgenie/edit/",
        "pagerduty": "/settings/integrations/pagerduty/connect/key/",
    }[provider]
    response = admin_client.post(url, {"api_key": KEYS[0], "region": "eu"})
    assert response.status_code == 200 and FORMS[provider][1] in response.content.decode()
    connection.refresh_from_db()
    assert connection.region == "us"
    assert connection.get_credentials() == {"api_key": "Kept0Key1234567890ab"}


def test_the_keys_of_the_docs_are_still_accepted() -> None:
    from integrations.providers.registry import get_provider

    keys = {
        "opsgenie": ["645feccc-e9bf-5d23-bcf3-8f9ba06eeb11"],
        "pagerduty": ["y_NbAkKc66ryYTWUXYEu", "u+Switch0verKey1234abcd"],
    }
    for slug, accepted in keys.items():
        for key in accepted:
            form = get_provider(slug).make_key_form({"api_key": f" {key}\n", "region": "us"})
            assert form.is_valid(), form.errors
            assert form.cleaned_data["api_key"] == key


def test_the_connect_command_refuses_it_with_the_same_words(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.StringIO(KEYS[0]))
    monkeypatch.delenv("OPSGENIE_API_KEY", raising=False)
    with pytest.raises(CommandError, match="made of ASCII letters, digits and dashes") as raised:
        call_command("connect", "opsgenie", "--region", "us", stdout=io.StringIO())
    assert KEYS[0] not in str(raised.value)
    assert not Connection.objects.exists()
