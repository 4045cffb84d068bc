"""Synthetic 4-phase liver CT phantoms for the eight ALMSS classes (pure Python: numpy, scipy, pydicom, nibabel).

Design: ``shared/notes/data.md`` section 3. The public API is ``generate_case`` (in memory, fast, for tests) and
``generate_dataset`` (DICOM series, NIfTI masks and ``manifest.csv`` on disk); ``sample_case`` draws a case's
parameters without rendering (for calibration).
"""
from .dataset import MANIFEST_COLUMNS, ManifestRow, generate_dataset
from .nifti import load_mask_zyx
from .sampling import CaseParameters, sample_case
from .volume import PhantomCase, generate_case, render_case

__all__ = [
    "MANIFEST_COLUMNS", "CaseParameters", "ManifestRow", "PhantomCase", "generate_case", "generate_dataset",
    "load_mask_zyx", "render_case", "sample_case",
]
