"""``{% library_nav "teams" %}``: the Data library's sections (alerts, then every registered
configuration kind), the current one marked; used by the alert pages too."""

from __future__ import annotations

from typing import Any

from django import template

from library.kinds import KINDS

register = template.Library()


@register.inclusion_tag("library/_nav.html")
def library_nav(current: str = "") -> dict[str, Any]:
    return {"kinds": list(KINDS.values()), "current": current}
