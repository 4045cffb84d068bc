from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "reader_study.demo"
    label = "demo"
    verbose_name = "One-command demo"
