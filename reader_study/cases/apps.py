from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "reader_study.cases"
    label = "cases"
    verbose_name = "Cases and imaging"
