"""Admin: model versions are browsable (registration goes through ``register_model``); results are read-only."""
from django.contrib import admin

from .models import InferenceResult, ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "label", "is_demo", "active_default", "created_at")
    list_filter = ("is_demo", "active_default")
    search_fields = ("name", "version")
    readonly_fields = (
        "name", "version", "path", "segmentation_path", "segmentation_config", "checksum", "config", "cutoffs",
        "metrics", "training_data", "label", "is_demo", "created_at",
    )

    def has_add_permission(self, request) -> bool:
        return False  # only register_model computes the checksum


@admin.register(InferenceResult)
class InferenceResultAdmin(admin.ModelAdmin):
    list_display = ("case", "model_version", "status", "final_class", "final_origin", "attempts", "finished_at")
    list_filter = ("status", "model_version")
    search_fields = ("case__case_id",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
