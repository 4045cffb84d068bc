"""Signals of the cases app.

``cases_imported`` is sent after an import transaction commits, with
``case_ids`` (primary keys). The inference app listens and enqueues ALMSS for
studies that have an active model.
"""
from django.dispatch import Signal

cases_imported = Signal()
