"""The one error type of the importer: which file, and what is wrong with it."""
from __future__ import annotations

from pathlib import PurePath


class ImportFailed(Exception):
    """An import cannot proceed; nothing was changed.

    ``file`` names the offending file, series, manifest row or folder (as the
    user knows it, e.g. a path relative to the imported folder); ``problem`` says
    what is wrong and, where possible, how to fix it.
    """

    def __init__(self, file: str | PurePath, problem: str):
        self.file = str(file)
        self.problem = problem
        super().__init__(f"{self.file}: {problem}")
