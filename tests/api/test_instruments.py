"""The global instrument library: current versions, with areas and items for a preview."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

INSTRUMENTS = "/api/v1/instruments/"


def test_library_lists_current_versions_with_their_areas(
    api_counsellor: APIClient, library: None
) -> None:
    response = api_counsellor.get(INSTRUMENTS)

    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    inventory = rows["balance-of-power-inventory"]
    assert inventory["version"] == 2
    assert sum(area["item_count"] for area in inventory["areas"]) == inventory["item_count"]
    assert "items" not in inventory


def test_one_instrument_comes_with_its_items(api_admin: APIClient, library: None) -> None:
    response = api_admin.get(f"{INSTRUMENTS}signs-of-imbalance/")

    assert response.status_code == 200
    body = response.json()
    assert len(body["items"]) == body["item_count"]
    assert {"id", "area", "text", "kind", "sensitivity", "required"} <= set(body["items"][0])


def test_library_is_shared_by_members_of_any_practice(
    api_outsider: APIClient, library: None
) -> None:
    assert api_outsider.get(INSTRUMENTS).status_code == 200
    assert api_outsider.get(f"{INSTRUMENTS}signs-of-imbalance/").status_code == 200


def test_unknown_instrument_answers_404(api_counsellor: APIClient, library: None) -> None:
    assert api_counsellor.get(f"{INSTRUMENTS}no-such-thing/").status_code == 404


def test_anonymous_caller_gets_401_on_instruments(api_anonymous: APIClient, library: None) -> None:
    assert api_anonymous.get(INSTRUMENTS).status_code == 401
    assert api_anonymous.get(f"{INSTRUMENTS}signs-of-imbalance/").status_code == 401
