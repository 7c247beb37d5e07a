"""What a page offers to type into: its forms (method, action, every named field with its type,
current value and choices) and the query parameters its links carry. Parsed with the standard
library's HTML parser, so what is found is what a browser would submit, not what a template
author meant to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Field:
    name: str
    kind: str  # the input's type ("text", "date", "file"...), or "select" / "textarea"
    values: list[str] = field(default_factory=list)  # what the browser would send as it is
    options: list[str] = field(default_factory=list)  # a select's or radio group's choices
    required: bool = False


@dataclass
class Form:
    method: str
    action: str  # a path (and query); the page's own when the form names none
    fields: dict[str, Field] = field(default_factory=dict)

    def baseline(self) -> dict[str, list[str]]:
        """The submission a browser would make untouched: checked boxes, selected options,
        hidden fields (the CSRF token included), typed values, and the first submit button."""
        sent = {name: list(f.values) for name, f in self.fields.items() if f.values}
        sent.update({n: f.options[:1] for n, f in self.fields.items() if f.kind == "submit"})
        return sent


@dataclass
class Page:
    path: str
    forms: list[Form] = field(default_factory=list)
    link_params: set[str] = field(default_factory=set)  # names in <a href="?..."> links


@dataclass
class _Option:
    value: str | None
    selected: bool
    text: str = ""


class _Parser(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None
        self.option: _Option | None = None
        self.by_id: dict[str, Form] = {}
        self.outside: list[dict[str, str]] = []  # inputs placed outside their form (form="id")

    def _field(self, name: str, kind: str, required: bool = False) -> Field:
        assert self.form is not None
        made = self.form.fields.setdefault(name, Field(name=name, kind=kind))
        made.required |= required
        return made

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            link = urlsplit(a["href"])
            if link.path in ("", self.page.path):
                self.page.link_params.update(k for k, _ in parse_qsl(link.query, True))
        elif tag == "form":
            target = urlsplit(a.get("action", ""))
            action = (target.path or self.page.path) + (f"?{target.query}" if target.query else "")
            self.form = Form(method=a.get("method", "get").upper(), action=action)
            self.page.forms.append(self.form)
            self.by_id[a.get("id", "")] = self.form
        elif tag == "input" and "form" in a and "name" in a:
            self.outside.append(a)  # the form it names may come later in the page
        elif tag == "option" and self.select is not None:
            self._end_option()
            self.option = _Option(a.get("value"), "selected" in a)
        elif self.form is None or "name" not in a or "disabled" in a:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self.select = self._field(a["name"], "select", "required" in a)
            self.select.kind = "select-multiple" if "multiple" in a else "select"
        elif tag == "textarea":
            self.textarea = self._field(a["name"], "textarea", "required" in a)
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._field(a["name"], "submit").options.append(a.get("value", ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def _input(self, a: dict[str, str]) -> None:
        kind = a.get("type", "text").lower()
        if kind in ("submit", "button", "reset", "image"):
            if kind == "submit":
                self._field(a["name"], "submit").options.append(a.get("value", ""))
            return
        f = self._field(a["name"], kind, "required" in a)
        if kind in ("checkbox", "radio"):
            f.options.append(a.get("value", "on"))
            if "checked" in a:
                f.values.append(a.get("value", "on"))
        elif kind != "file":
            f.values.append(a.get("value", ""))

    def _end_option(self) -> None:
        if self.option is None or self.select is None:
            return
        # An option without a value sends its text.
        value = self.option.text.strip() if self.option.value is None else self.option.value
        self.select.options.append(value)
        if self.option.selected:
            self.select.values.append(value)
        self.option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self.select is not None:
            self._end_option()
            if not self.select.values and self.select.options and self.select.kind == "select":
                self.select.values.append(self.select.options[0])  # what a browser sends
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            text = data[1:] if data.startswith("\n") else data  # the HTML parser's own rule
            self.textarea.values = ["".join(self.textarea.values) + text]
        elif self.option is not None:
            self.option.text += data

    def finish(self) -> None:
        for a in self.outside:
            self.form = self.by_id.get(a["form"])
            if self.form is not None and "disabled" not in a:
                self._input(a)
        self.form = None


def parse(path: str, html: str) -> Page:
    page = Page(path=path)
    parser = _Parser(page)
    parser.feed(html)
    parser.finish()
    return page
