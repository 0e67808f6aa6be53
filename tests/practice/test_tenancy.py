from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
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
