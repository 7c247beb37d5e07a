"""Django's ModelMultipleChoiceField, refusing an id its database column cannot hold.

Django checks each submitted id for its type, then asks for all of them at once with an `__in`
lookup; an id past the column's range ("99999999999999999999", from an edited form) makes that
query raise (OverflowError on SQLite, a DataError on PostgreSQL): a 500 instead of "choose from
the list". Django's exact lookup already treats such an id as matching nothing; `__in` does not.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import connections


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> Any:
        model = self.queryset.model
        key = self.to_field_name or "pk"
        column = model._meta.pk if key == "pk" else model._meta.get_field(key)
        ops = connections[self.queryset.db].ops
        if column.get_internal_type() in ops.integer_field_ranges:
            low, high = ops.integer_field_range(column.get_internal_type())
            for pk in value:
                try:
                    number = int(str(pk).strip())
                except ValueError:
                    continue  # Django's own check names it
                if (low is not None and number < low) or (high is not None and number > high):
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)
