"""Query-string filters of the REST resources (django-filter), e.g. `/api/projects/?unit=1`.

Every id and number in a filter is read with `doubtfire.ids.parse_id`: django-filter's own fields take
`٣` as 3 (`int()` does) and `1e3` as 1000, and hand a 23-digit number to the database, which answers
OverflowError (SQLite) or DataError (PostgreSQL): a 500 anyone signed in could cause. Here such a value is
a 400 `{"error": "unit: An id is ..."}`.

`IdFilterBackend` is the filter backend of every viewset: its filtersets (declared below, or made from a
viewset's `filterset_fields`) derive from `StrictFilterSet`, which maps foreign keys to `IdChoiceFilter`
and integer columns to `WholeNumberFilter`.
"""

import django_filters
from django import forms
from django.db import models
from django_filters.fields import ModelChoiceField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend

from doubtfire.ids import ID_RULE, MAX_ID, parse_id
from doubtfire.models import Project, Task, TaskStatus

NUMBER_RULE = f"Give a whole number from 0 to {MAX_ID}, written with the digits 0-9 only."


class IdChoiceField(ModelChoiceField):
    """A row named by its id: anything `parse_id` refuses is invalid before the database is asked."""

    default_error_messages = {"not_an_id": ID_RULE}

    def to_python(self, value):
        if value in self.empty_values or (self.null_label is not None and value == self.null_value):
            return super().to_python(value)
        if parse_id(value) is None:
            raise forms.ValidationError(self.error_messages["not_an_id"], code="invalid")
        return super().to_python(value)


class WholeNumberField(forms.Field):
    """A number read by `parse_id` from `minimum` up: 1 for an id, 0 for a count or a year."""

    minimum = 0
    default_error_messages = {"invalid": NUMBER_RULE}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_id(value, minimum=self.minimum)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdField(WholeNumberField):
    minimum = 1
    default_error_messages = {"invalid": ID_RULE}


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


class WholeNumberFilter(django_filters.Filter):
    field_class = WholeNumberField


class IdFilter(django_filters.Filter):
    """An id compared as a number (an id that names no row finds nothing, rather than a 400)."""

    field_class = IdField


def _strict_defaults() -> dict:
    defaults = dict(FILTER_FOR_DBFIELD_DEFAULTS)
    for relation in (models.ForeignKey, models.OneToOneField):
        defaults[relation] = {**defaults[relation], "filter_class": IdChoiceFilter}
    # Every integer column, ids included (BigAutoField is a BigIntegerField, which is an IntegerField).
    for number in (models.AutoField, models.IntegerField, models.SmallIntegerField, models.PositiveIntegerField,
                   models.PositiveSmallIntegerField, models.BigIntegerField, models.PositiveBigIntegerField):
        defaults[number] = {"filter_class": WholeNumberFilter}
    return defaults


class StrictFilterSet(django_filters.rest_framework.FilterSet):
    FILTER_DEFAULTS = _strict_defaults()


class IdFilterBackend(DjangoFilterBackend):
    """django-filter's backend, with `StrictFilterSet` under the filtersets it makes from `filterset_fields`.
    A declared `filterset_class` derives from `StrictFilterSet` too (tests/test_odd_ids.py checks both)."""

    filterset_base = StrictFilterSet


class ProjectFilter(StrictFilterSet):
    username = django_filters.CharFilter(field_name="user__username", lookup_expr="iexact")

    class Meta:
        model = Project
        fields = ["unit", "enrolled", "campus", "username"]


class TaskFilter(StrictFilterSet):
    # The unit is reached through the project: compared as a number, so an unknown unit finds no task.
    unit = IdFilter(field_name="project__unit")
    username = django_filters.CharFilter(field_name="project__user__username", lookup_expr="iexact")
    status = django_filters.TypedChoiceFilter(choices=TaskStatus.choices, coerce=int)

    class Meta:
        model = Task
        fields = ["unit", "project", "definition", "status", "username"]
