"""HTML pages of readers and coordinators, mounted at ``/``.

Every view checks permissions on the server (``access`` + PROTOCOL's services);
hiding a link is never the protection.
"""
from django.urls import path

from .views import audit, home, imports, readers, studies

app_name = "studies"
urlpatterns = [
    path("", home.home, name="home"),
    # Reader pages
    path("my/studies/", studies.MyStudiesView.as_view(), name="my_studies"),
    # Coordinator pages
    path("studies/", studies.CoordinatorStudiesView.as_view(), name="coordinator_studies"),
    path("readers/", readers.ReaderListView.as_view(), name="readers"),
    path("imports/", imports.ImportListView.as_view(), name="imports"),
    path("imports/upload/", imports.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/status.json", imports.ImportStatusView.as_view(), name="import_status"),
    path("audit/", audit.AuditLogView.as_view(), name="audit_log"),
]
