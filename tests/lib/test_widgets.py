"""lib/widgets.py draws the filter forms' widgets without Django's template engine: the markup
must be Django's own, byte for byte, for every kind of value (hostile ones included)."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.translation import gettext_lazy

from lib import widgets

HOSTILE = '"><script>alert(1)</script>&amp;'
CHOICES = [
    ("", "Any"),
    ("open", "Open"),
    (HOSTILE, HOSTILE),
    ("lazy", gettext_lazy("Lazy label")),
    (7, "A number"),
    ("open", "Open again"),
]
ATTRS = [
    None,
    {"id": "id_x"},
    {"id": "id_x", "required": True, "disabled": False, "aria-invalid": "true"},
    {"aria-describedby": HOSTILE, "data-n": 3},
]


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", "open", HOSTILE, 7, "7", "missing", ["open"]])
def test_select_is_djangos_markup(value, attrs) -> None:  # type: ignore[no-untyped-def]
    ours = widgets.Select(attrs={"class": "f"}, choices=CHOICES)
    theirs = forms.Select(attrs={"class": "f"}, choices=CHOICES)
    assert ours.render("status", value, attrs) == theirs.render("status", value, attrs)


def test_grouped_choices_are_left_to_django() -> None:
    grouped = [("", "Any"), ("Group <b>", [("a", "A"), ("b", "B")])]
    ours = widgets.Select(choices=grouped).render("g", "b")
    assert ours == forms.Select(choices=grouped).render("g", "b")
    assert "<optgroup" in ours


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", "checkout", HOSTILE, 0])
def test_text_input_is_djangos_markup(value, attrs) -> None:  # type: ignore[no-untyped-def]
    declared = {"type": "search", "placeholder": HOSTILE, "maxlength": 200}
    ours = widgets.TextInput(attrs=declared).render("q", value, attrs)
    assert ours == forms.TextInput(attrs=declared).render("q", value, attrs)


@pytest.mark.parametrize("value", [None, "", "2026-12-03", "2026-13-01", HOSTILE])
def test_date_input_is_djangos_markup(value) -> None:  # type: ignore[no-untyped-def]
    declared = {"type": "date", "min": "1970-01-01"}
    ours = widgets.DateInput(attrs=declared).render("d", value, {"id": "id_d"})
    assert ours == forms.DateInput(attrs=declared).render("d", value, {"id": "id_d"})


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", 0, 12, "12", HOSTILE])
def test_number_input_is_djangos_markup(value, attrs) -> None:  # type: ignore[no-untyped-def]
    ours = widgets.NumberInput(attrs={"min": 0}).render("n", value, attrs)
    assert ours == forms.NumberInput(attrs={"min": 0}).render("n", value, attrs)


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", 0, "two\nlines", HOSTILE, "</textarea><b>x</b>"])
def test_textarea_is_djangos_markup(value, attrs) -> None:  # type: ignore[no-untyped-def]
    ours = widgets.Textarea(attrs={"rows": 3}).render("t", value, attrs)
    assert ours == forms.Textarea(attrs={"rows": 3}).render("t", value, attrs)


def test_dates_are_formatted_as_django_formats_them() -> None:
    import datetime

    day = datetime.date(2026, 12, 3)
    ours = widgets.DateInput(attrs={"type": "date"}).render("d", day)
    assert ours == forms.DateInput(attrs={"type": "date"}).render("d", day)
    assert 'value="2026-12-03"' in ours


@pytest.mark.django_db
def test_the_filter_forms_draw_with_these_widgets_and_leave_the_declarations_alone() -> None:
    from access.staff_forms import StaffFilterForm
    from alerts.list_filters import AlertFilterForm
    from incidents.list_filters import IncidentFilterForm

    for form_class in (IncidentFilterForm, AlertFilterForm, StaffFilterForm):
        form = form_class({"status": "nonsense"})
        assert type(form.fields["status"].widget) is widgets.Select
        assert type(form.fields["q"].widget) is widgets.TextInput
        assert type(form_class.base_fields["status"].widget) is forms.Select
        assert 'name="status"' in str(form["status"])
        assert [label for label, _ in form.ignored()] == ["Status"]


def _djangos(widget: forms.Widget) -> forms.Widget:
    """The same widget as Django's own class: the first base from django.forms.widgets."""
    django_class = next(c for c in type(widget).__mro__ if c.__module__ == "django.forms.widgets")
    theirs = django_class.__new__(django_class)
    theirs.__dict__.update(widget.__dict__)
    return theirs


@pytest.mark.django_db
@pytest.mark.parametrize("bound", [False, True])
def test_the_data_loss_form_draws_as_django_would(bound: bool) -> None:
    """Every field of the incident page's form, filled with what a report holds (or a refused
    submission with hostile text), is the markup Django's own widgets give."""
    import datetime

    from incidents.forms import DataLossForm
    from incidents.models import DataLossReport
    from tests.conftest import make_connection, make_incident

    incident = make_incident(make_connection(), 1)
    report = DataLossReport(
        incident=incident,
        data_lost="yes",
        what_happened=f"Lost\n{HOSTILE}",
        records_affected=12,
        customers_notified_on=datetime.date(2026, 1, 2),
    )
    data = {"data_lost": "no", "what_happened": HOSTILE, "records_affected": "-3", "version": "x"}
    form = DataLossForm(data if bound else None, instance=report)
    fast = [
        name
        for name, field in form.fields.items()
        if type(field.widget).__module__ == "lib.widgets"
    ]
    assert {"what_happened", "records_affected", "customers_notified_on"} <= set(fast)
    for name in fast:
        ours = str(form[name])
        form.fields[name].widget = _djangos(form.fields[name].widget)
        assert ours == str(form[name]), name


CHOICE_VALUES = [None, "", "open", ["open", 7], [HOSTILE], 7, ["7"], "missing"]


@pytest.mark.parametrize("attrs", [*ATTRS, {"id": "id_x", "class": HOSTILE}])
@pytest.mark.parametrize("value", CHOICE_VALUES)
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (widgets.RadioSelect, forms.RadioSelect),
        (widgets.CheckboxSelectMultiple, forms.CheckboxSelectMultiple),
    ],
)
def test_radios_and_checkboxes_are_djangos_markup(ours, theirs, value, attrs) -> None:  # type: ignore[no-untyped-def]
    fast = ours(attrs={"class": "choices"}, choices=CHOICES).render("pick", value, attrs)
    assert fast == theirs(attrs={"class": "choices"}, choices=CHOICES).render("pick", value, attrs)


@pytest.mark.parametrize("wrap_label", [False, True])
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (widgets.RadioSelect, forms.RadioSelect),
        (widgets.CheckboxSelectMultiple, forms.CheckboxSelectMultiple),
    ],
)
def test_each_option_drawn_alone_is_djangos_markup(ours, theirs, wrap_label) -> None:  # type: ignore[no-untyped-def]
    """A template iterating the field draws each option's ``tag`` itself."""

    class Pick(forms.Form):
        fast = forms.MultipleChoiceField(choices=CHOICES[1:], widget=ours)
        slow = forms.MultipleChoiceField(choices=CHOICES[1:], widget=theirs)

    form = Pick({"fast": ["open"], "slow": ["open"]})
    fast = [box.tag(wrap_label=wrap_label) for box in form["fast"]]
    slow = [box.tag(wrap_label=wrap_label).replace("slow", "fast") for box in form["slow"]]
    assert fast == slow
    assert len(fast) == len(CHOICES) - 1


def test_grouped_radios_are_left_to_django() -> None:
    grouped = [("", "Any"), ("Group <b>", [("a", "A"), ("b", "B")])]
    ours = widgets.RadioSelect(choices=grouped).render("g", "b", {"id": "id_g"})
    assert ours == forms.RadioSelect(choices=grouped).render("g", "b", {"id": "id_g"})
    assert "<label>Group &lt;b&gt;</label>" in ours


def test_no_project_form_draws_choices_through_djangos_templates() -> None:
    """Radios and checkboxes cost a template per option: every form of ours uses lib/widgets'
    (the notification form's 40 checkboxes took 55 ms a request through Django's)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    slow = ("forms.RadioSelect", "forms.CheckboxSelectMultiple")
    offenders = [
        str(path.relative_to(root))
        for path in root.glob("*/**/*.py")
        if not path.is_relative_to(root / "tests")
        and ".venv" not in path.parts
        and any(name in path.read_text() for name in slow)
        and path not in (root / "lib" / "filter_forms.py", root / "lib" / "widgets.py")
    ]
    assert offenders == []
