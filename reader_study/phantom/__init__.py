"""Synthetic 4-phase liver CT phantoms for the eight ALMSS classes (pure Python: numpy, scipy, pydicom, nibabel).

Design: ``shared/notes/data.md`` section 3. The public API is ``generate_case`` (in memory, fast, for tests) and
``generate_dataset`` (DICOM series, NIfTI masks and ``manifest.csv`` on disk).
"""
from .sampling import CaseParameters, sample_case
from .volume import PhantomCase, generate_case, render_case

__all__ = ["CaseParameters", "PhantomCase", "generate_case", "render_case", "sample_case"]
