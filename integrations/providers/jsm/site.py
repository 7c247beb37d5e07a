"""A site's name and the URLs built from it. The admin gives only the name (``acme`` for
``acme.atlassian.net``); the app builds every URL itself, from settings, and fetches nothing
typed by a user."""

from __future__ import annotations

import re

from django.conf import settings

from integrations.providers.jsm.conf import SITE_PLACEHOLDER

# Atlassian's rules for a product URL's subdomain (support.atlassian.com, "Update a product
# URL"): at least 3 characters, lowercase letters, digits, and hyphens only in the middle. The
# upper bound is a DNS label's (63); Atlassian states none.
SITE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
# What people paste instead of the name: the site's address. Only the name is kept from it.
PASTED_ADDRESS = re.compile(r"(?:https?://)?([A-Za-z0-9-]+)\.atlassian\.net/?")


def site_name(value: str) -> str | None:
    """The site name in ``value`` (a name, or a pasted ``acme.atlassian.net`` address), or None
    when it is none by Atlassian's rules."""
    value = value.strip()
    pasted = PASTED_ADDRESS.fullmatch(value)
    name = (pasted.group(1) if pasted else value).lower()
    return name if SITE_NAME.fullmatch(name) else None


def site_url(site: str) -> str:
    """``https://{site}.atlassian.net`` (or the sandbox's stand-in), for a checked name only."""
    if not SITE_NAME.fullmatch(site):
        raise ValueError("not a site name")
    return settings.JSM_SITE_URL.replace(SITE_PLACEHOLDER, site)


def site_host(site: str) -> str:
    """The site as people know it: acme.atlassian.net."""
    return f"{site}.atlassian.net"
