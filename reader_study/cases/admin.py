from django.contrib import admin

from .models import Case, CaseTruth, ClinicalNote, ImagingStudy, ImportJob, Instance, ReferenceMask, Series


class SeriesInline(admin.TabularInline):
    model = Series
    extra = 0
    fields = ("phase", "series_description", "slice_count", "slice_spacing", "phase_source")
    readonly_fields = fields
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("case_id", "age", "sex", "cohort", "imported_at")
    list_filter = ("cohort", "sex")
    search_fields = ("case_id",)


@admin.register(CaseTruth)
class CaseTruthAdmin(admin.ModelAdmin):
    list_display = ("case", "tumour_class", "origin", "pathology_type")
    list_filter = ("tumour_class", "origin")


@admin.register(ImagingStudy)
class ImagingStudyAdmin(admin.ModelAdmin):
    list_display = ("case", "study_instance_uid", "description")
    inlines = [SeriesInline]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("study", "phase", "series_description", "slice_count", "rows", "columns")
    list_filter = ("phase",)


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ("series", "index", "position", "sop_instance_uid")
    list_select_related = ("series__study__case",)


admin.site.register(ClinicalNote)
admin.site.register(ReferenceMask)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("pk", "created_at", "status", "progress", "source")
    readonly_fields = ("report", "error")
