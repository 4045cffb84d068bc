from django.apps import AppConfig


class ViewerConfig(AppConfig):
    name = "reader_study.viewer"
    label = "viewer"
