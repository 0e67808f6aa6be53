"""Factories that keep related objects inside one practice. Scopes are disabled only while a
factory writes, inside the scope of the practice it writes for (on PostgreSQL the database admits
that practice's rows alone); requests made by tests run with scopes enforced."""

from __future__ import annotations

from typing import Any

import factory
from django_scopes import scope, scopes_disabled

from clients.models import Client, Couple
from practice.models import Membership, Practice, User

PASSWORD = "correct horse battery staple"


class ScopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with scope(practice=kwargs.get("practice")), scopes_disabled():
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


class ClientFactory(ScopedFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    display_name = factory.Faker("first_name")
    email = factory.LazyAttribute(lambda o: f"{o.display_name.lower()}@clients.example")


class CoupleFactory(ScopedFactory):
    class Meta:
        model = Couple
        skip_postgeneration_save = True

    practice = factory.SubFactory(PracticeFactory)
    partner_a = factory.SubFactory(ClientFactory, practice=factory.SelfAttribute("..practice"))
    partner_b = factory.SubFactory(ClientFactory, practice=factory.SelfAttribute("..practice"))

    @factory.post_generation
    def counsellors(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            with scope(practice=self.practice), scopes_disabled():
                self.counsellors.set(extracted)
