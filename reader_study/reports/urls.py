"""Statistics URLs, mounted at /statistics/."""
from django.urls import path

from reader_study.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:study_id>/", views.study_statistics, name="study"),
    path("<int:study_id>/export/<str:kind>/", views.export, name="export"),
]
