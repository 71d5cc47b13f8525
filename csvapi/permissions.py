"""DRF permission classes of the REST resources, built on the role table in `doubtfire.permissions`.

Two questions are asked of every request:
* which rows may this person list? — `unit_scope(user, action)` turns the role table into a queryset filter
  (a bulk form of `role_in_unit`, so a list costs the same two queries at any size);
* may this person touch this row? — the permission classes below call `may_in_unit` for the row's unit.
"""

from django.db.models import Q
from rest_framework.permissions import SAFE_METHODS, BasePermission

from doubtfire.models import Project, Role, UnitRole
from doubtfire.permissions import MANAGE_UNIT, UNIT_PERMISSIONS, VIEW_UNIT, may_in_unit


def roles_by_unit(user) -> dict[int, str]:
    """The person's role in every unit where they hold one, by unit id. Two queries.

    Same precedence as `role_in_unit`: a unit role (Tutor/Convenor) wins over an enrolment (Student).
    Units absent from the answer give a system Admin the Admin role and everyone else none.
    """
    roles = {
        unit_id: Role.STUDENT
        for unit_id in Project.objects.filter(user=user, enrolled=True).values_list("unit_id", flat=True)
    }
    roles.update(UnitRole.objects.filter(user=user).values_list("unit_id", "role"))
    return roles


def unit_scope(user, action: str, *, through: str = "unit") -> Q:
    """A filter keeping rows whose unit (reached by the lookup `through`) lets `user` do `action`.

    Equivalent to `may_in_unit(user, action, row_unit)` for every row, in two queries instead of two per row.
    """
    if not user.is_authenticated:
        return Q(pk__in=[])
    roles = roles_by_unit(user)
    if user.is_admin:
        # An Admin may act everywhere except where a role they hold in the unit says otherwise.
        denied = [unit_id for unit_id, role in roles.items() if action not in UNIT_PERMISSIONS[role]]
        return ~Q(**{f"{through}__in": denied})
    allowed = [unit_id for unit_id, role in roles.items() if action in UNIT_PERMISSIONS[role]]
    return Q(**{f"{through}__in": allowed})


def may_somewhere(user, action: str) -> bool:
    """Whether `user` may do `action` in at least one unit (a quick answer before looking at the body)."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return any(action in UNIT_PERMISSIONS[role] for role in roles_by_unit(user).values())


class IsAdmin(BasePermission):
    message = "Only an Admin may do this."

    def has_permission(self, request, view):
        return bool(request.user.is_authenticated and request.user.is_admin)


class ReadAnyWriteAdmin(BasePermission):
    """Any signed-in person may read; only an Admin may write (campuses)."""

    message = "Only an Admin may change this."

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or request.user.is_admin


class UnitPermission(BasePermission):
    """Rows that belong to a unit: reading needs `read_action` there, writing needs `write_action`.

    The view names the row's unit with `unit_of(obj)`. Creating is first allowed to anyone who may write in
    some unit; the view then checks the unit named in the body (`check_unit_action`).
    """

    read_action = VIEW_UNIT
    write_action = MANAGE_UNIT
    message = "You may not change this unit's data; only its Convenors (or an Admin) may."

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return may_somewhere(request.user, getattr(view, "write_action", self.write_action))

    def has_object_permission(self, request, view, obj):
        read = request.method in SAFE_METHODS
        action = getattr(view, "read_action" if read else "write_action", self.read_action if read else self.write_action)
        return may_in_unit(request.user, action, view.unit_of(obj))


class UnitCreatorOnlyAdmin(UnitPermission):
    """Units themselves: reading and changing as `UnitPermission`, but only an Admin creates or deletes one."""

    def has_permission(self, request, view):
        if request.method in ("POST", "DELETE"):
            return bool(request.user.is_authenticated and request.user.is_admin)
        return super().has_permission(request, view)


class UserPermission(BasePermission):
    """People: an Admin reads and writes everyone; anyone else reads and edits only themselves."""

    message = "Only an Admin may do this to another person's account."

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        if request.method in ("POST", "DELETE"):
            return request.user.is_admin
        return True

    def has_object_permission(self, request, view, obj):
        return request.user.is_admin or obj.pk == request.user.pk
