"""The topic library, read-only, for any member of the practice."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from practice.models import Practice
from tests.api.conftest import tenant

pytestmark = pytest.mark.django_db

TOPIC = "shared-decision-making"


def test_counsellor_lists_the_topic_library(
    api_counsellor: APIClient, practice: Practice, library: None
) -> None:
    response = api_counsellor.get(tenant(practice, "topics/"), {"page_size": 100})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert TOPIC in {row["slug"] for row in rows}
    assert all(row["why"] and row["steps"] for row in rows)


def test_admin_reads_one_topic(api_admin: APIClient, practice: Practice, library: None) -> None:
    response = api_admin.get(tenant(practice, f"topics/{TOPIC}/"))

    assert response.status_code == 200
    assert response.json()["slug"] == TOPIC


def test_unknown_topic_answers_404(
    api_counsellor: APIClient, practice: Practice, library: None
) -> None:
    assert api_counsellor.get(tenant(practice, "topics/no-such-topic/")).status_code == 404


def test_member_of_another_practice_gets_404_on_topics(
    api_outsider: APIClient, practice: Practice, library: None
) -> None:
    assert api_outsider.get(tenant(practice, "topics/")).status_code == 404
    assert api_outsider.get(tenant(practice, f"topics/{TOPIC}/")).status_code == 404


def test_anonymous_caller_gets_401_on_topics(
    api_anonymous: APIClient, practice: Practice, library: None
) -> None:
    assert api_anonymous.get(tenant(practice, "topics/")).status_code == 401
    assert api_anonymous.get(tenant(practice, f"topics/{TOPIC}/")).status_code == 401
