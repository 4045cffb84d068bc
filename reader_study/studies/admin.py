"""Admin for the reader-study models. Reads, amendments and consensus reads are read-only here.

Configuration changes should go through the coordinator pages (audited
services); the admin is for inspection and emergency fixes by superusers.
"""
from django.contrib import admin

from .models import Amendment, ConsensusRead, Enrolment, Read, ReaderProfile, ReaderStudy, ReadingSession, StudyCase


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nothing can be added, changed or deleted: the record is the evidence."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StudyCaseInline(admin.TabularInline):
    model = StudyCase
    extra = 0
    readonly_fields = ("key", "block")
    raw_id_fields = ("case",)


@admin.register(ReaderStudy)
class ReaderStudyAdmin(admin.ModelAdmin):
    list_display = ("name", "design", "status", "washout_days", "is_pilot", "created_at", "config_locked_at")
    list_filter = ("design", "status", "is_pilot")
    search_fields = ("name",)
    filter_horizontal = ("coordinators",)
    readonly_fields = ("created_at", "config_locked_at", "created_by")
    inlines = [StudyCaseInline]


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "experience", "years_of_experience")
    list_filter = ("experience",)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("study", "reader", "enrolled_at", "crossover_group")
    list_filter = ("study",)
    readonly_fields = ("enrolled_at",)


@admin.register(ReadingSession)
class ReadingSessionAdmin(ReadOnlyAdmin):
    list_display = ("study", "reader", "number", "opened_at", "completed_at")
    list_filter = ("study",)


class AmendmentInline(admin.TabularInline):
    model = Amendment
    extra = 0
    can_delete = False
    readonly_fields = ("by", "at", "reason", "before", "after")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Read)
class ReadAdmin(ReadOnlyAdmin):
    list_display = ("study", "reader", "case", "arm", "locked", "submitted_at", "active_seconds")
    list_filter = ("study", "arm", "locked")
    inlines = [AmendmentInline]


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ("read", "by", "at", "reason")


@admin.register(ConsensusRead)
class ConsensusReadAdmin(ReadOnlyAdmin):
    list_display = ("study", "group_name", "case", "arm", "locked", "submitted_at")
    list_filter = ("study", "arm")


@admin.register(StudyCase)
class StudyCaseAdmin(ReadOnlyAdmin):
    """Keys and blocks are assigned by the services; change cases through the study pages."""

    list_display = ("study", "key", "case", "block")
    list_filter = ("study", "block")
