"""Query-string filters of the REST resources (django-filter), e.g. `/api/projects/?unit=1`."""

import django_filters

from doubtfire.models import Project, Task, TaskStatus


class ProjectFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(field_name="user__username", lookup_expr="iexact")

    class Meta:
        model = Project
        fields = ["unit", "enrolled", "campus", "username"]


class TaskFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter(field_name="project__unit")
    username = django_filters.CharFilter(field_name="project__user__username", lookup_expr="iexact")
    status = django_filters.TypedChoiceFilter(choices=TaskStatus.choices, coerce=int)

    class Meta:
        model = Task
        fields = ["unit", "project", "definition", "status", "username"]
