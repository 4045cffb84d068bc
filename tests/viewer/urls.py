"""The project's URLs plus a minimal reading page that embeds the viewer as PAGES' reading page does."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path

from reader_study.cases.models import Case
from reader_study.urls import urlpatterns as project_urlpatterns

PAGE = engines["django"].from_string(
    "<!DOCTYPE html><html><head><title>read</title></head><body>"
    '{% include "viewer/embed.html" with case=case show_overlays=aided viewer_height="700px" %}'
    "</body></html>"
)


@login_required
def reading_page(request, case_pk: int):
    case = get_object_or_404(Case, pk=case_pk)
    return HttpResponse(PAGE.render({"case": case, "aided": request.GET.get("arm") == "aided"}, request))


urlpatterns = [path("viewer-test/read/<int:case_pk>/", reading_page), *project_urlpatterns]
