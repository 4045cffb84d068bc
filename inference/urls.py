from django.urls import path

from . import views

app_name = "inference"
urlpatterns = [
    path("cases/<int:pk>/status", views.case_status, name="case-status"),
]
