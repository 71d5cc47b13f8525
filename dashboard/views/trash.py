"""Undo: put back what a destructive action removed, for a few minutes after it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from dashboard.models import Deletion
from dashboard.services import trash
from doubtfire import services as unit_services


def _where_to_go(deletion: Deletion):
    if deletion.kind == "course" or deletion.course_id is None and deletion.unit_id is None:
        return redirect("dashboard:home")
    if deletion.course_id is not None:
        return redirect("dashboard:course", pk=deletion.course_id)
    return redirect("dashboard:unit", unit_id=deletion.unit_id)


@login_required
@require_POST
def undo(request, pk):
    """Put it back. Someone else's deletion answers as one that does not exist."""
    deletion = get_object_or_404(Deletion, pk=pk, owner=request.user)
    course_pk = deletion.payload.get("course_pk") if deletion.kind == "course" else None
    try:
        trash.undo(deletion=deletion, restore_change=lambda payload: unit_services.reenrol_projects(
            actor=request.user, project_ids=payload["project_ids"]
        ))
    except trash.UndoFailed as failed:
        messages.error(request, failed.message)
        return _where_to_go(deletion)
    messages.success(request, f"Undone: {deletion.description[0].lower()}{deletion.description[1:]} is back.")
    if course_pk is not None:
        return redirect("dashboard:course", pk=course_pk)
    return _where_to_go(deletion)
