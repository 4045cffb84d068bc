"""Errors raised by the statistics package; messages name the problem and the offending value."""
from __future__ import annotations


class StatsInputError(ValueError):
    """Input that a statistical method cannot use (wrong shape, labels, empty data)."""


class MRMCDesignError(StatsInputError):
    """A reader-study design that the Obuchowski-Rockette analysis cannot analyse.

    Raised for one reader, one treatment, missing or duplicate reads, a truth class absent, inconsistent truth, or a
    non-numeric rating.
    """
