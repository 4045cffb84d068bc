"""REST API routes (Django REST framework); mounted at /api/."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
