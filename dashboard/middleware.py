"""Dashboard forms sent by script (dashboard.js sends uploads with XMLHttpRequest to show their progress).

A form that worked answers with a redirect, which XMLHttpRequest follows by itself: the page it fetched would
use up the one-time messages ("Course created…") that the browser's own visit to the same address must show.
So a redirect answering such a request is turned into `200 {"redirect": "<address>"}`, and the script sends the
browser there, where the messages are still waiting: the address, Reload and Back are those of a real page.
"""

from django.http import JsonResponse


class ScriptedFormRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.headers.get("X-Requested-With") == "XMLHttpRequest"
            and response.status_code in (301, 302, 303, 307, 308)
            and not request.path.startswith("/api")
            and response.has_header("Location")
        ):
            return JsonResponse({"redirect": response["Location"]})
        return response
