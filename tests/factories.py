"""Factories that keep related objects inside one practice. Scopes are disabled only while a
factory writes; requests made by tests run with scopes enforced."""

from __future__ import annotations

from typing import Any

import factory
from django_scopes import scopes_disabled

from practice.models import Membership, Practice, User

PASSWORD = "correct horse battery staple"


class ScopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class PracticeFactory(ScopedFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")


class UserFactory(ScopedFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@fulcrum.example")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class MembershipFactory(ScopedFactory):
    class Meta:
        model = Membership

    practice = factory.SubFactory(PracticeFactory)
    user = factory.SubFactory(UserFactory)
    is_admin = False
    is_counsellor = True
