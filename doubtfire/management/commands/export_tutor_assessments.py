"""Write <CODE>-TutorAssessments.csv of a unit, as GET /api/csv/units/<id>/tutor_assessments does."""

from doubtfire.resources import ResourceExportCommand, TutorAssessmentResource


class Command(ResourceExportCommand):
    help = "Write <CODE>-TutorAssessments.csv of a unit, as GET /api/csv/units/<id>/tutor_assessments does."
    resource_class = TutorAssessmentResource
    needs_unit = True
