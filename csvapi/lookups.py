"""How the REST viewsets read ids: the row in the path and the query-string filters, one rule for both.

`StrictIds` goes first in a viewset's bases. The path's id is read with `doubtfire.ids.parse_id`, so
`/api/units/٣/` is not unit 3 and `/api/tasks/99999999999999999999999/` never reaches the database: both
are the 404 `{"error"}` of a row that does not exist. The route keeps DRF's permissive pattern on purpose:
a stricter `lookup_value_regex` would let an odd id fall through to Django's HTML 404 page.
"""

from rest_framework.exceptions import NotFound

from csvapi.filters import IdFilterBackend
from doubtfire.ids import ID_RULE, parse_id


class StrictIds:
    filter_backends = [IdFilterBackend]

    def get_object(self):
        name = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs.get(name)
        number = parse_id(value)
        if number is None:
            model = self.get_serializer_class().Meta.model._meta.verbose_name
            raise NotFound(f"There is no {model} with the id '{value}'. {ID_RULE}")
        self.kwargs[name] = number
        return super().get_object()
