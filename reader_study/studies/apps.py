from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "reader_study.studies"
    label = "studies"
