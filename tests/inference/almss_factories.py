"""Tiny synthetic ALMSS inputs for the tests (no DICOM, no database).

Imported by the ``test_almss_*`` modules as ``almss_factories`` (pytest puts this folder on
``sys.path``; the folder has no ``__init__.py`` because a package named ``inference`` would shadow
the app).
"""
from __future__ import annotations

import numpy as np

from inference.almss.configs import ALMSSConfig, get_config
from inference.almss.data import Sample
from inference.almss.preprocess import PhaseInput
from reader_study.vocabulary import ORIGIN_SYSTEMS, PHASES, TUMOUR_CLASSES

#: Class -> tumour HU per phase (pre, arterial, portal venous, delayed): enhancement patterns a
#: network can learn in a few epochs (HCC wash-in/wash-out, ICC delayed fill, LM rim-like low).
TUMOUR_HU = {"HCC": (40, 130, 70, 50), "ICC": (35, 60, 80, 110), "LM": (30, 45, 50, 45)}
LIVER_HU = (55, 70, 110, 90)


def tiny_config(**changes) -> ALMSSConfig:
    """The demo architecture at 8 x 32 x 32 with very narrow widths: fast on one CPU thread."""
    base = get_config("demo").replace(
        input_size=(8, 32, 32), widths=(4, 8, 8, 16), stem_width=4, projection_dim=8, clinical_hidden=8,
        lstm_hidden=8, baseline_widths=(4, 8), batch_size=4, epochs=2,
    )
    return base.replace(**changes)


def phase_volume(rng: np.random.Generator, tumour_class: str, phase_index: int, shape=(12, 40, 44)) -> PhaseInput:
    """A box-shaped body with an ellipsoid liver and one spherical tumour, HU by class and phase."""
    z, y, x = np.indices(shape)
    centre = np.array(shape) / 2 + rng.normal(0, 1, 3)
    liver = ((z - centre[0]) / (shape[0] * 0.35)) ** 2 + ((y - centre[1]) / 14) ** 2 + ((x - centre[2]) / 15) ** 2 < 1
    t_centre = centre + rng.normal(0, 2, 3) * (0.3, 1, 1)
    tumour = ((z - t_centre[0]) / 2.5) ** 2 + ((y - t_centre[1]) / 5) ** 2 + ((x - t_centre[2]) / 5) ** 2 < 1
    tumour &= liver
    hu = rng.normal(-80, 10, shape)
    hu[liver] = LIVER_HU[phase_index] + rng.normal(0, 8, liver.sum())
    hu[tumour] = TUMOUR_HU[tumour_class][phase_index] + rng.normal(0, 8, tumour.sum())
    return PhaseInput(hu=hu.astype(np.float32), liver_mask=liver & ~tumour, tumour_mask=tumour,
                      spacing_zyx=(3.0, 1.5, 1.5))


def make_sample(seed: int, tumour_class: str | None = None) -> Sample:
    rng = np.random.default_rng(seed)
    classes = [c.value for c in TUMOUR_CLASSES]
    tumour_class = tumour_class or classes[seed % 3]
    origin = ORIGIN_SYSTEMS[seed % len(ORIGIN_SYSTEMS)].value if tumour_class == "LM" else None
    phases = {phase: phase_volume(rng, tumour_class, i) for i, phase in enumerate(PHASES)}
    return Sample(phases, age=int(rng.integers(30, 80)), sex="MF"[seed % 2], tumour_class=tumour_class,
                  origin=origin, case_id=f"case{seed:03d}")
