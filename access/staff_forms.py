"""Forms of the staff directory: a person (add, edit), an org role, the list's filters and the
CSV upload. Every refusal names the field and says why; nothing is saved until all is valid."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from access.models import OrgRole, StaffMember, StaffStatus
from access.staff_rules import last_working_day_problem, manager_cycle
from access.staff_selectors import NO_ORG_ROLE, EmailOwner, emails_in_use, manager_graph
from lib.concurrency import VersionedForm
from lib.filter_forms import FilterForm
from lib.uploads import unusable_name_problem

MAX_ALIASES = 20
_SEPARATORS = re.compile(r"[\s,;]+")


def split_emails(text: str) -> list[str]:
    """Emails one per line or separated by commas (or semicolons, or spaces), lower-cased, in
    the order given, without repeats."""
    seen: dict[str, None] = {}
    for part in _SEPARATORS.split(text or ""):
        if part:
            seen.setdefault(part.lower(), None)
    return list(seen)


def owner_text(owner: EmailOwner) -> str:
    kind = "an other email of" if owner.is_alias else "the email of"
    return f"{kind} {owner.name} <{owner.email}>"


class StaffMemberForm(VersionedForm):
    alias_emails_text = forms.CharField(
        label="Other emails",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line or separated by commas. Accounts with these emails are "
        "matched to this person too.",
    )
    manager_email = forms.CharField(
        label="Manager",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"placeholder": "The manager's email"}),
        help_text="The email of another person in the directory.",
    )

    class Meta:
        model = StaffMember
        fields = ["name", "email", "org_role", "status", "last_working_day"]
        widgets = {"last_working_day": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "last_working_day": "Required for an offboarded person.",
        }

    field_order = [
        "name",
        "email",
        "alias_emails_text",
        "org_role",
        "status",
        "last_working_day",
        "manager_email",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_role"].empty_label = "— none —"  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial.setdefault("alias_emails_text", "\n".join(self.instance.alias_emails))
            if self.instance.manager_id:
                self.initial.setdefault("manager_email", self.instance.manager.email)
        self.manager: StaffMember | None = None
        self._owners: dict[str, EmailOwner] | None = None

    def owners(self) -> dict[str, EmailOwner]:
        """Everyone else's emails (main and other), read once per form."""
        if self._owners is None:
            self._owners = emails_in_use(excluding=self.instance.pk)
        return self._owners

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        owner = self.owners().get(email)
        if owner is not None:
            raise ValidationError(f"{email} is already {owner_text(owner)}.")
        return email

    def clean_last_working_day(self) -> date | None:
        day = self.cleaned_data["last_working_day"]
        if day is not None:
            problem = last_working_day_problem(day, today=timezone.localdate())
            if problem:
                raise ValidationError(problem)
        return day

    def clean_alias_emails_text(self) -> list[str]:
        aliases = split_emails(self.cleaned_data["alias_emails_text"])
        if len(aliases) > MAX_ALIASES:
            raise ValidationError(f"At most {MAX_ALIASES} other emails.")
        errors = []
        for alias in aliases:
            try:
                validate_email(alias)
            except ValidationError:
                errors.append(f"“{alias}” is not an email address.")
                continue
            owner = self.owners().get(alias)
            if owner is not None:
                errors.append(f"{alias} is already {owner_text(owner)}.")
        if errors:
            raise ValidationError(errors)
        return aliases

    def clean_manager_email(self) -> StaffMember | None:
        email = self.cleaned_data["manager_email"].strip().lower()
        if not email:
            return None
        own = {
            self.cleaned_data.get("email"),
            *(self.cleaned_data.get("alias_emails_text") or ()),
            *(self.instance.emails() if self.instance.pk else ()),
        }
        if email in own:
            raise ValidationError("A person cannot be their own manager.")
        owner = self.owners().get(email)
        if owner is None:
            raise ValidationError(
                f"No one in the staff directory has the email {email}: add the manager first."
            )
        return StaffMember.objects.get(pk=owner.person_id)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        email, aliases = cleaned.get("email"), cleaned.get("alias_emails_text") or []
        if email and email in aliases:
            self.add_error("alias_emails_text", f"{email} is already this person's main email.")
        if cleaned.get("status") == StaffStatus.OFFBOARDED and not cleaned.get("last_working_day"):
            self.add_error(
                "last_working_day", "Give the last working day of a person who is offboarded."
            )
        manager = cleaned.get("manager_email")
        if manager is not None and self.instance.pk:
            graph: dict[Any, Any] = manager_graph()
            graph[self.instance.pk] = manager.pk
            cycle = manager_cycle(graph, self.instance.pk)
            if cycle:
                names = dict(StaffMember.objects.filter(pk__in=cycle).values_list("pk", "name"))
                chain = " → ".join(names.get(pk, "?") for pk in cycle)
                self.add_error(
                    "manager_email", f"That would make a manager cycle: {chain} (reports to)."
                )
        return cleaned


class OrgRoleForm(forms.ModelForm):
    class Meta:
        model = OrgRole
        fields = ["name"]
        labels = {"name": "Org role"}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        same = OrgRole.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if same is not None:
            raise ValidationError(f"There is already an org role “{same.name}”.")
        return name


class StaffFilterForm(FilterForm):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or email"}),
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *StaffStatus.choices])
    org_role = forms.ChoiceField(label="Org role", required=False, choices=[("", "Any")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org_role"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "Any"),
            *((str(pk), name) for pk, name in OrgRole.objects.values_list("pk", "name")),
            (NO_ORG_ROLE, "No org role"),
        ]

    def filters(self) -> dict[str, str]:
        """The selector's arguments, from the valid values only (an invalid one is ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "",
            "org_role": data.get("org_role") or "",
        }


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns name,email,org_role,status,last_working_day,manager_email; "
        "a header row first.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        problem = unusable_name_problem(upload)
        if problem:
            raise ValidationError(problem)
        return upload
