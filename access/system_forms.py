from __future__ import annotations

from django import forms
from django.utils import timezone

from access.models import AccessType, CriticalSystem, MappingKind, OrgRole, StaffMember
from integrations.models import Connection, ConnectionStatus
from integrations.providers.registry import provider_name, providers
from lib import widgets as fast_widgets
from lib.dates import BoundedDateField, months_ahead

# The longest an external's access is agreed ahead: a contract of a few years, not forever.
EXTERNAL_MONTHS_AHEAD = 60


def candidate_connections():  # type: ignore[no-untyped-def]
    """Connected integrations that are not critical systems yet."""
    return (
        Connection.objects.filter(provider__in=list(providers()))
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .exclude(pk__in=CriticalSystem.objects.values("connection"))
    )


class AddSystemForm(forms.Form):
    connection = forms.ModelChoiceField(
        label="Integration",
        queryset=Connection.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose a connected integration from the list."},
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["connection"]
        field.queryset = candidate_connections()  # type: ignore[attr-defined]
        field.label_from_instance = lambda c: provider_name(c.provider)  # type: ignore[attr-defined]


class ValidAccessForm(forms.Form):
    """All staff, or which org roles may have access and the upstream roles each may hold.
    The role fields are named ``role_<id>`` (a tick) and ``upstream_<id>`` (the roles)."""

    access_type = forms.ChoiceField(
        label="Who may have an account",
        choices=[(AccessType.ALL_STAFF, "All staff"), (AccessType.ROLE_BASED, "Staff role-based")],
        widget=fast_widgets.RadioSelect,
        error_messages={"required": "Choose All staff or Staff role-based."},
    )

    def __init__(self, *args, system: CriticalSystem, upstream_roles, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.org_roles = list(OrgRole.objects.all())
        rules = {rule.org_role_id: rule.upstream_roles for rule in system.allowed.all()}
        self.rows = []
        for role in self.org_roles:
            tick = forms.BooleanField(label=role.name, required=False, initial=role.pk in rules)
            upstream = forms.MultipleChoiceField(
                label=f"Upstream roles {role.name} may hold",
                choices=upstream_roles,
                required=False,
                initial=rules.get(role.pk, []),
                widget=fast_widgets.CheckboxSelectMultiple,
            )
            self.fields[f"role_{role.pk}"] = tick
            self.fields[f"upstream_{role.pk}"] = upstream
            self.rows.append((role, f"role_{role.pk}", f"upstream_{role.pk}"))
        if system.access_type:
            self.fields["access_type"].initial = system.access_type

    def role_rows(self):  # type: ignore[no-untyped-def]
        return [(role, self[tick], self[upstream]) for role, tick, upstream in self.rows]

    def chosen_roles(self) -> list[tuple[OrgRole, list[str]]]:
        return [
            (role, list(self.cleaned_data.get(upstream) or []))
            for role, tick, upstream in self.rows
            if self.cleaned_data.get(tick)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("access_type") == AccessType.ROLE_BASED and not self.chosen_roles():
            raise forms.ValidationError(
                "Tick at least one org role that may access this system (or choose All staff)."
            )
        return cleaned


class MappingForm(forms.Form):
    kind = forms.ChoiceField(
        label="This account belongs to",
        choices=[("email", "Match by email (automatic)"), *MappingKind.choices],
        widget=fast_widgets.RadioSelect,
    )
    staff = forms.ModelChoiceField(
        label="Staff member", queryset=StaffMember.objects.all(), required=False
    )
    owner = forms.ModelChoiceField(
        label="Owner (who answers for it)", queryset=StaffMember.objects.all(), required=False
    )
    # An external's access agreed until a day: past days too (the check then flags it), but
    # not a typo such as 0001-01-01 or 9999-12-31.
    external_until = BoundedDateField(
        label="Access agreed until",
        required=False,
        latest=lambda: months_ahead(timezone.localdate(), EXTERNAL_MONTHS_AHEAD),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == MappingKind.STAFF and not cleaned.get("staff"):
            self.add_error("staff", "Choose the staff member this account belongs to.")
        if kind == MappingKind.NOT_A_PERSON:
            if not cleaned.get("owner"):
                self.add_error("owner", "A service or shared account needs an owner.")
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", "Say what the account is for.")
        if kind == MappingKind.EXTERNAL and not cleaned.get("external_until"):
            self.add_error("external_until", "Give the day the external's access ends.")
        return cleaned
