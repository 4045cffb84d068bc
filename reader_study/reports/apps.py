from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reader_study.reports"
    label = "reports"
