"""The audit log (coordinators only): read-only, filterable, paginated."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.http import urlencode
from django.views.generic import TemplateView

from reader_study.audit.models import AuditEvent

from ..models import ReaderStudy
from .common import CoordinatorRequiredMixin

PAGE_SIZE = 50


def visible_events(user):
    """Events a coordinator may read: those of the studies they coordinate and those of no study.

    Study events hold reads' answers, so a coordinator never sees another study's; superusers see everything.
    """
    events = AuditEvent.objects.all()
    if user.is_superuser:
        return events
    mine = ReaderStudy.objects.filter(coordinators=user).values_list("pk", flat=True)
    return events.filter(Q(study_id__isnull=True) | Q(study_id__in=mine))


class AuditLogView(CoordinatorRequiredMixin, TemplateView):
    template_name = "studies/audit_log.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        events = visible_events(self.request.user)
        filters = {
            "action": params.get("action", "").strip(),
            "actor": params.get("actor", "").strip(),
            "object_type": params.get("object_type", "").strip(),
            "study": params.get("study", "").strip(),
        }
        if filters["action"]:
            events = events.filter(action__icontains=filters["action"])
        if filters["actor"]:
            events = events.filter(actor_label__icontains=filters["actor"])
        if filters["object_type"]:
            events = events.filter(object_type__icontains=filters["object_type"])
        if filters["study"].isdigit():
            events = events.filter(study_id=int(filters["study"]))
        page = Paginator(events, PAGE_SIZE).get_page(params.get("page"))
        query = urlencode({k: v for k, v in filters.items() if v})
        context.update(page=page, filters=filters, query=query,
                       actions=AuditEvent.objects.order_by().values_list("action", flat=True).distinct())
        return context
