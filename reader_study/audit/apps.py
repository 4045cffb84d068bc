from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "reader_study.audit"
    label = "audit"
