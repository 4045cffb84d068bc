from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "inference"
    verbose_name = "ALMSS inference"

    def ready(self) -> None:
        from reader_study.cases.signals import cases_imported

        from . import services

        cases_imported.connect(services.on_cases_imported, dispatch_uid="inference.enqueue_on_import")
