"""Root URL configuration: each app owns its own ``urls.py``."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("reader_study.accounts.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("reader_study.studies.api_urls")),
    path("dicomweb/", include("reader_study.viewer.urls")),
    path("statistics/", include("reader_study.reports.urls")),
    path("inference/", include("inference.urls")),
    path("", include("reader_study.studies.urls")),
]
