"""Small template filters of the dashboard."""

from django import template

from attendance.models import Status

register = template.Library()


@register.filter
def undo_url(message) -> str:
    """The Undo address carried in a message's extra tags ("undo /undo/<id>/"), or ""."""
    tags = (getattr(message, "extra_tags", "") or "").split()
    return tags[tags.index("undo") + 1] if "undo" in tags and tags.index("undo") + 1 < len(tags) else ""


@register.filter
def minutes(value) -> str:
    """Minutes as a teacher reads them: "52 min", "1 h 05"."""
    if value is None or value == "":
        return ""
    value = int(value)
    return f"{value} min" if value < 60 else f"{value // 60} h {value % 60:02d}"


@register.filter
def seconds_minutes(value) -> str:
    """Seconds attended shown as whole minutes ("52 min"); "—" when the report gives no duration."""
    if value is None or value == "":
        return "—"
    return minutes(int(value) // 60)  # whole minutes, rounded down: as the course page and the reports show them


@register.filter
def status_label(value) -> str:
    """A status as stored ("late") as a teacher reads it ("Late"); "" for none."""
    return Status(value).label if value in Status.values else ""
