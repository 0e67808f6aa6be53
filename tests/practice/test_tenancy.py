from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import ScopeError, scope

from practice.celery import app as celery_app
from practice.models import Membership, Practice
from practice.tenancy import PracticeTask

pytestmark = pytest.mark.django_db


def test_every_model_with_a_practice_field_has_the_fail_closed_scoped_manager() -> None:
    tenant_models = [
        model
        for model in apps.get_models()
        if any(
            f.name == "practice" and isinstance(f, models.ForeignKey) for f in model._meta.fields
        )
    ]

    assert Membership in tenant_models
    for model in tenant_models:
        manager = model._default_manager
        assert hasattr(manager, "with_scopes_disabled"), f"{model.__name__} is not scoped"
        with pytest.raises(ScopeError):
            list(manager.all())


def test_a_query_inside_a_scope_sees_only_that_practice(
    admin_membership: Membership, outsider_membership: Membership
) -> None:
    with scope(practice=admin_membership.practice):
        assert list(Membership.objects.all()) == [admin_membership]


@celery_app.task(base=PracticeTask)
def count_members(practice: Practice) -> int:
    return Membership.objects.count()


def test_practice_task_reloads_the_practice_and_runs_inside_its_scope(
    admin_membership: Membership, counsellor_membership: Membership, outsider_membership: Membership
) -> None:
    result = count_members.apply(args=(admin_membership.practice_id,))

    assert result.get() == 2


def test_a_practice_page_reads_the_users_memberships_in_one_query(
    as_counsellor: Client, counsellor_membership: Membership
) -> None:
    # The two-factor requirement, the practice's resolution and the practice switcher all come
    # from one read of the user's active memberships with their practices.
    practice = counsellor_membership.practice
    practice.require_two_factor = False
    practice.save(update_fields=["require_two_factor"])
    url = reverse("couple-list", kwargs={"practice_slug": practice.slug})

    with CaptureQueriesContext(connection) as captured:
        response = as_counsellor.get(url)

    assert response.status_code == 200
    tenancy_reads = [
        q["sql"]
        for q in captured.captured_queries
        if re.search(r'FROM "practice_(membership|practice)"', q["sql"])
    ]
    assert len(tenancy_reads) == 1
    assert response.context["current_membership"] == counsellor_membership
    assert list(response.context["my_memberships"]) == [counsellor_membership]


def test_a_practice_page_of_a_practice_the_user_left_answers_404(
    as_counsellor: Client, counsellor_membership: Membership, other_practice: Practice
) -> None:
    mine = reverse("couple-list", kwargs={"practice_slug": counsellor_membership.practice.slug})
    theirs = reverse("couple-list", kwargs={"practice_slug": other_practice.slug})
    missing = reverse("couple-list", kwargs={"practice_slug": "no-such-practice"})
    assert as_counsellor.get(mine).status_code == 200

    with scope(practice=counsellor_membership.practice):
        Membership.objects.filter(pk=counsellor_membership.pk).update(is_active=False)

    assert as_counsellor.get(mine).status_code == 404
    assert as_counsellor.get(theirs).status_code == 404
    assert as_counsellor.get(missing).status_code == 404
