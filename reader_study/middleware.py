"""Session renewal that leaves the image hot path alone."""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# The viewer fetches hundreds of frames per case; renewing the session on each one wrote the session row every time.
NOT_RENEWING_PREFIXES = ("/dicomweb/",)


class RenewSessionMiddleware:
    """Renew the idle expiry (SESSION_COOKIE_AGE) on every request except DICOMweb image fetches.

    Reading a case still renews it through the page itself and the reading-time heartbeats.
    Must come after SessionMiddleware in MIDDLEWARE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not request.path.startswith(NOT_RENEWING_PREFIXES):
            session.modified = True
        return response
