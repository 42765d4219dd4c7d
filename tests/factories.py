"""factory-boy factories for the city's structure and its staff."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group

from civicdesk.domain.city.models import Department, Division, Jurisdiction, Service
from civicdesk.domain.staff.models import User


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"city-{n}")
    name = factory.Sequence(lambda n: f"City {n}")
    languages = factory.LazyFunction(lambda: ["en", "fr", "es"])
    profile = "pickering"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"Department {n}")


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division

    department = factory.SubFactory(DepartmentFactory)
    jurisdiction = factory.SelfAttribute("department.jurisdiction")
    code = factory.Sequence(lambda n: f"div-{n}")
    name = factory.Sequence(lambda n: f"Division {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    department = factory.SubFactory(DepartmentFactory)
    jurisdiction = factory.SelfAttribute("department.jurisdiction")
    code = factory.Sequence(lambda n: f"SVC-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    category = "General"


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff member; pass ``role=Role.X`` to put them in that role's group."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    jurisdiction = factory.SubFactory(JurisdictionFactory)
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not None:
            self.groups.add(Group.objects.get(name=extracted.label))
