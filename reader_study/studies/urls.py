"""HTML pages of readers and coordinators, mounted at ``/``.

Every view checks permissions on the server (``access`` + PROTOCOL's services);
hiding a link is never the protection. Readers address cases by the study's
opaque key, never by the manifest's case id.
"""
from django.urls import path

from .views import amendments, audit, consensus, coordinator, home, imports, reader, readers, reading, study_setup

app_name = "studies"
urlpatterns = [
    path("", home.home, name="home"),
    # Reader pages
    path("my/studies/", reader.my_studies, name="my_studies"),
    path("my/studies/<int:study_pk>/", reader.reader_study, name="reader_study"),
    path("my/studies/<int:study_pk>/sessions/<int:number>/", reader.worklist, name="worklist"),
    path("my/studies/<int:study_pk>/sessions/<int:number>/open/", reader.open_session, name="open_session"),
    path("my/studies/<int:study_pk>/cases/<str:key>/unaided/", reading.read_case, {"arm": "unaided"},
         name="read_unaided"),
    path("my/studies/<int:study_pk>/cases/<str:key>/aided/", reading.read_case, {"arm": "aided"}, name="read_aided"),
    path("my/reads/<int:read_pk>/heartbeat/", reading.heartbeat, name="read_heartbeat"),
    # Coordinator pages
    path("studies/", coordinator.study_list, name="coordinator_studies"),
    path("studies/new/", coordinator.study_create, name="study_create"),
    path("studies/<int:study_pk>/", coordinator.study_detail, name="study_detail"),
    path("studies/<int:study_pk>/configure/", coordinator.study_configure, name="study_configure"),
    path("studies/<int:study_pk>/open/", coordinator.study_status, {"action": "open"}, name="study_open"),
    path("studies/<int:study_pk>/close/", coordinator.study_status, {"action": "close"}, name="study_close"),
    path("studies/<int:study_pk>/cases/", study_setup.study_cases, name="study_cases"),
    path("studies/<int:study_pk>/readers/", study_setup.study_readers, name="study_readers"),
    path("studies/<int:study_pk>/progress/", coordinator.study_progress, name="study_progress"),
    path("studies/<int:study_pk>/reads/", amendments.study_reads, name="study_reads"),
    path("studies/<int:study_pk>/reads/<int:read_pk>/amend/", amendments.amend_read, name="amend_read"),
    path("studies/<int:study_pk>/consensus/", consensus.consensus_list, name="study_consensus"),
    path("studies/<int:study_pk>/consensus/<str:key>/unaided/", consensus.consensus_read, {"arm": "unaided"},
         name="consensus_unaided"),
    path("studies/<int:study_pk>/consensus/<str:key>/aided/", consensus.consensus_read, {"arm": "aided"},
         name="consensus_aided"),
    path("readers/", readers.ReaderListView.as_view(), name="readers"),
    path("readers/<int:pk>/invite/", readers.ResendInvitationView.as_view(), name="reader_invite"),
    path("imports/", imports.ImportListView.as_view(), name="imports"),
    path("imports/upload/", imports.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/status.json", imports.ImportStatusView.as_view(), name="import_status"),
    path("audit/", audit.AuditLogView.as_view(), name="audit_log"),
]
