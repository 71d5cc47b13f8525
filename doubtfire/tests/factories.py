"""factory_boy factories shared by every app's tests."""

import datetime

import factory
from factory.django import DjangoModelFactory

from doubtfire import models


class UserFactory(DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.edu")
    role = models.Role.STUDENT
    password = factory.django.Password("correct horse battery staple")


class CampusFactory(DjangoModelFactory):
    class Meta:
        model = models.Campus
        django_get_or_create = ("abbreviation",)

    name = factory.Sequence(lambda n: f"Campus {n}")
    abbreviation = factory.Sequence(lambda n: f"C{n}")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = models.Unit

    code = factory.Sequence(lambda n: f"COS{10000 + n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    start_date = datetime.date(2026, 3, 2)
    end_date = datetime.date(2026, 6, 26)


class UnitRoleFactory(DjangoModelFactory):
    class Meta:
        model = models.UnitRole

    user = factory.SubFactory(UserFactory, role=models.Role.TUTOR)
    unit = factory.SubFactory(UnitFactory)
    role = models.UnitRole.Kind.TUTOR


class TutorialStreamFactory(DjangoModelFactory):
    class Meta:
        model = models.TutorialStream

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Stream {n}")
    abbreviation = factory.Sequence(lambda n: f"S{n}")


class TutorialFactory(DjangoModelFactory):
    class Meta:
        model = models.Tutorial

    unit = factory.SubFactory(UnitFactory)
    abbreviation = factory.Sequence(lambda n: f"LA1-{n:02d}")
    campus = factory.SubFactory(CampusFactory)


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = models.Project

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)


class TaskDefinitionFactory(DjangoModelFactory):
    class Meta:
        model = models.TaskDefinition

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Task {n}")
    abbreviation = factory.Sequence(lambda n: f"T{n}")
    start_date = datetime.date(2026, 3, 2)
    target_date = datetime.date(2026, 3, 16)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = models.Task

    project = factory.SubFactory(ProjectFactory)
    definition = factory.SubFactory(TaskDefinitionFactory)
