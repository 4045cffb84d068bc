from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail cannot be edited or deleted from the admin."""

    list_display = ("at", "actor_label", "action", "object_type", "object_id", "study_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_label", "message")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
