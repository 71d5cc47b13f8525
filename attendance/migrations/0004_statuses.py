import django.core.validators
from django.db import migrations, models
from django.db.models import Case, Value, When


def statuses_from_present(apps, schema_editor):
    # Before statuses, a record was Present or Absent; nothing recorded says who was late or excused.
    Record = apps.get_model("attendance", "Record")
    Record.objects.update(status=Case(When(present=True, then=Value("present")), default=Value("absent")))


class Migration(migrations.Migration):

    dependencies = [
        ("attendance", "0003_session_start_time"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="late_allowance_minutes",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="A student who first joins more than this many minutes after a session's start is Late. "
                "Empty: nobody is marked Late.",
                null=True,
                validators=[django.core.validators.MaxValueValidator(1440)],
            ),
        ),
        migrations.AddField(
            model_name="record",
            name="status",
            field=models.CharField(
                choices=[("present", "Present"), ("late", "Late"), ("excused", "Excused"), ("absent", "Absent")],
                default="absent",
                max_length=8,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(statuses_from_present, migrations.RunPython.noop),
        migrations.AddField(
            model_name="record",
            name="first_join",
            field=models.TimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="record",
            constraint=models.CheckConstraint(
                condition=models.Q(("present", True), ("status__in", ("present", "late")))
                | models.Q(("present", False), ("status__in", ("excused", "absent"))),
                name="record_present_is_present_or_late",
            ),
        ),
    ]
