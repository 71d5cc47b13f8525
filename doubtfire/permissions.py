"""Who may do what, as upstream Doubtfire decides it (reference §1.2), in one table.

Inside a unit the person's role *in that unit* wins over their system role: a system Admin who tutors a
unit has a tutor's rights there; a system Convenor with no role in a unit has none.
"""

from doubtfire.models import Project, Role, Unit, UnitRole, User

# Actions on a unit.
DOWNLOAD_UNIT_CSV = "download_unit_csv"
DOWNLOAD_STATS = "download_stats"
UPLOAD_CSV = "upload_csv"
ASSESS_TASKS = "assess_tasks"
MANAGE_UNIT = "manage_unit"
VIEW_UNIT = "view_unit"

UNIT_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CONVENOR: frozenset({VIEW_UNIT, DOWNLOAD_UNIT_CSV, DOWNLOAD_STATS, UPLOAD_CSV, ASSESS_TASKS, MANAGE_UNIT}),
    Role.ADMIN: frozenset({VIEW_UNIT, DOWNLOAD_UNIT_CSV, DOWNLOAD_STATS, UPLOAD_CSV, ASSESS_TASKS, MANAGE_UNIT}),
    Role.TUTOR: frozenset({VIEW_UNIT, DOWNLOAD_UNIT_CSV, DOWNLOAD_STATS, ASSESS_TASKS}),
    Role.STUDENT: frozenset({VIEW_UNIT}),
}

# System-wide actions (the users CSV).
DOWNLOAD_SYSTEM_CSV = "download_system_csv"
UPLOAD_USERS_CSV = "upload_users_csv"

SYSTEM_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({DOWNLOAD_SYSTEM_CSV, UPLOAD_USERS_CSV}),
    Role.CONVENOR: frozenset({UPLOAD_USERS_CSV}),
    Role.TUTOR: frozenset(),
    Role.STUDENT: frozenset(),
}

# A Convenor uploading users may only create these roles (upstream §2.2).
ROLES_A_CONVENOR_MAY_CREATE = frozenset({Role.STUDENT, Role.TUTOR})


def system_role(user: User) -> str | None:
    if not user.is_authenticated:
        return None
    return Role.ADMIN if user.is_admin else user.role


def role_in_unit(user: User, unit: Unit) -> str | None:
    """Convenor/Tutor by unit role, else Student if enrolled, else Admin if a system admin, else None.

    At most two queries.
    """
    if not user.is_authenticated:
        return None
    unit_role = UnitRole.objects.filter(user=user, unit=unit).values_list("role", flat=True).first()
    if unit_role is not None:
        return unit_role
    if Project.objects.filter(user=user, unit=unit, enrolled=True).exists():
        return Role.STUDENT
    if user.is_admin:
        return Role.ADMIN
    return None


def may_in_unit(user: User, action: str, unit: Unit) -> bool:
    role = role_in_unit(user, unit)
    return role is not None and action in UNIT_PERMISSIONS[role]


def may_in_system(user: User, action: str) -> bool:
    role = system_role(user)
    return role is not None and action in SYSTEM_PERMISSIONS[role]


def may_change_unit_role_of(actor: User, person: User) -> bool:
    """Roles cannot be used against their grantor: inside a unit, only an Admin gives, changes or removes an
    Admin's unit role, or enrols an Admin as a student.

    A role in a unit wins over the system role there (`role_in_unit`), so a unit's Convenor who could make an
    Admin its Tutor or Student would take the Admin's rights in that unit away, and the Admin could not undo
    it outside the Django admin. Everyone else's role is the unit's business (MANAGE_UNIT, checked apart).
    """
    return not person.is_admin or system_role(actor) == Role.ADMIN


def admin_role_refusal(person: User, unit: Unit) -> str:
    return f"{person.username} is an Admin: only an Admin may change an Admin's role in {unit.code}."
