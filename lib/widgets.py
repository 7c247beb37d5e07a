"""Widgets of the filter forms every list page draws (and the incident page's data-loss form),
written as HTML by Python.

Django draws a widget through its template engine (a template per widget, one more per option,
one per attribute list): about 1 ms a select, 6–10 ms of a list page's budget for a dozen
fields. These produce the same markup as Django's own ``Select``, ``TextInput`` and
``DateInput`` (tests/test_widgets.py compares them), from the same ``build_attrs`` and
``format_value``, every value escaped; anything they do not know (grouped choices) is left to
Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def attributes(attrs: Mapping[str, Any]) -> str:
    """As django/forms/widgets/attrs.html writes them: True alone, False left out."""
    parts = []
    for name, value in attrs.items():
        if value is False or value is None:
            continue
        parts.append(f" {name}" if value is True else f' {name}="{escape(str(value))}"')
    return "".join(parts)


class FastInput:
    """For a subclass of forms.Input: ``<input type name value attrs>`` written directly."""

    input_type: str
    attrs: dict[str, Any]

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)  # type: ignore[attr-defined]
        formatted = self.format_value(value)  # type: ignore[attr-defined]
        value_attr = "" if formatted is None else f' value="{escape(formatted)}"'
        attrs_html = attributes({k: v for k, v in final.items() if k != "type"})
        return mark_safe(  # noqa: S308 - every value below is escaped
            f'<input type="{escape(final.get("type", self.input_type))}" name="{escape(name)}"'
            f"{value_attr}{attrs_html}>"
        )


class TextInput(FastInput, forms.TextInput):
    pass


class DateInput(FastInput, forms.DateInput):
    pass


class NumberInput(FastInput, forms.NumberInput):
    pass


class Textarea(forms.Textarea):
    """As django/forms/widgets/textarea.html: the value, escaped, after a newline."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        formatted = self.format_value(value)
        text = conditional_escape(formatted) if formatted else ""
        final = self.build_attrs(self.attrs, attrs)
        return mark_safe(  # noqa: S308 - every value below is escaped
            f'<textarea name="{escape(name)}"{attributes(final)}>\n{text}</textarea>'
        )


class Select(forms.Select):
    """One value, flat choices; grouped choices are drawn by Django's template."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        chosen = set(self.format_value(value))
        options, found = [], False
        for option_value, label in choices:
            key = "" if option_value is None else str(option_value)
            # Only the first option with the value, as Django.
            selected = " selected" if not found and key in chosen else ""
            found = found or bool(selected)
            options.append(
                f'  <option value="{escape(key)}"{selected}>{conditional_escape(label)}</option>'
            )
        final = self.build_attrs(self.attrs, attrs)
        return mark_safe(  # noqa: S308 - every value below is escaped
            f'<select name="{escape(name)}"{attributes(final)}>\n'
            + "".join(option + "\n\n" for option in options)
            + "</select>"
        )


class FastMultipleInput:
    """For a subclass of forms.RadioSelect or forms.CheckboxSelectMultiple: Django's
    multiple_input.html and input_option.html written directly, one ``<div>`` per option with
    its ``<label>``, from the context Django builds (ids, checked options); grouped choices are
    left to Django's template."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        if any(group for group, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)  # type: ignore[misc]
        outer = widget["attrs"]
        head = "<div"
        if outer.get("id"):
            head += f' id="{escape(outer["id"])}"'
        if outer.get("class"):
            head += f' class="{escape(outer["class"])}"'
        options = "".join(
            f"<div>\n    {_option(option)}\n\n</div>"
            for _, group_options, _ in widget["optgroups"]
            for option in group_options
        )
        return mark_safe(f"{head}>{options}\n</div>")  # noqa: S308 - every value is escaped

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> str:
        """One option drawn on its own (a template iterating the field: ``{{ box.tag }}``)."""
        if template_name == self.option_template_name:  # type: ignore[attr-defined]
            # Stripped, as Django's renderer strips what a template gives.
            return mark_safe(_option(context["widget"]).strip())  # noqa: S308 - escaped
        return super()._render(template_name, context, renderer)  # type: ignore[misc]


def _option(option: Mapping[str, Any]) -> str:
    """input_option.html: the input inside its label when the widget wraps labels (each
    template's closing newline kept, as Django's include writes it)."""
    value = option["value"]
    value_attr = "" if value is None else f' value="{escape(str(value))}"'
    field = (
        f'<input type="{escape(option["type"])}" name="{escape(option["name"])}"'
        f"{value_attr}{attributes(option['attrs'])}>\n"
    )
    if not option["wrap_label"]:
        return field
    target = option["attrs"].get("id")
    label_for = f' for="{escape(target)}"' if target else ""
    return f"<label{label_for}>{field} {conditional_escape(option['label'])}</label>"


class RadioSelect(FastMultipleInput, forms.RadioSelect):
    pass


class CheckboxSelectMultiple(FastMultipleInput, forms.CheckboxSelectMultiple):
    pass
