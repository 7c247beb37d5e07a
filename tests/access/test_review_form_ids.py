"""An id no database column can hold, in the review form's list of systems (an edited form):
"choose from the list", not a 500 (found by tests/fuzz)."""

from __future__ import annotations

import pytest
from django.test import Client

from access.models import CriticalSystem
from access.review_models import AccessReview
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pk", ["99999999999999999999", "-99999999999999999999"])
def test_a_system_id_past_the_column_is_refused_by_name(admin_client: Client, pk: str) -> None:
    system = CriticalSystem.objects.create(connection=make_connection())
    data = {"name": "Q1", "due_on": "", "reviewer_mode": "owner", "systems": [system.pk, pk]}
    response = admin_client.post("/access/reviews/new/", data)
    assert response.status_code == 200
    assert "Critical systems to review: Choose critical systems from the list." in (
        response.content.decode()
    )
    assert not AccessReview.objects.exists()
