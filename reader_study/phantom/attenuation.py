"""Attenuation tables (HU) of normal tissue and lesion enhancement patterns per phase.

Values from ``shared/notes/data.md`` 3.1 (normal tissue) and 3.3 (lesion patterns). Phase order everywhere is
``vocabulary.PHASES``: pre-contrast (NC), late arterial (AP), portal venous (PVP), delayed (DP).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Tissue(IntEnum):
    """Labels of the rendered scene (uint8); lesions are painted over them separately."""

    AIR = 0
    FAT = 1
    MUSCLE = 2
    LIVER = 3
    SPLEEN = 4
    KIDNEY_CORTEX = 5
    KIDNEY_MEDULLA = 6
    AORTA = 7
    IVC = 8
    PORTAL_VEIN = 9
    HEPATIC_VEIN = 10
    BONE_TRABECULAR = 11
    BONE_CORTICAL = 12
    LUNG = 13
    BOWEL_WALL = 14
    BOWEL_FLUID = 15
    BOWEL_GAS = 16
    BILE = 17
    PANCREAS = 18
    ASCITES = 19


# HU per phase (NC, AP, PVP, DP); the liver row is replaced by the patient's own baseline curve.
TISSUE_HU: dict[Tissue, tuple[float, float, float, float]] = {
    Tissue.AIR: (-1000, -1000, -1000, -1000),
    Tissue.FAT: (-100, -100, -100, -100),
    Tissue.MUSCLE: (50, 58, 62, 60),
    Tissue.LIVER: (58, 78, 110, 92),
    Tissue.SPLEEN: (48, 120, 120, 100),
    Tissue.KIDNEY_CORTEX: (32, 180, 170, 140),
    Tissue.KIDNEY_MEDULLA: (32, 80, 170, 150),
    Tissue.AORTA: (42, 300, 165, 118),
    Tissue.IVC: (40, 85, 140, 112),
    Tissue.PORTAL_VEIN: (42, 150, 175, 118),
    Tissue.HEPATIC_VEIN: (40, 45, 150, 115),
    Tissue.BONE_TRABECULAR: (180, 190, 195, 190),
    Tissue.BONE_CORTICAL: (900, 900, 900, 900),
    Tissue.LUNG: (-850, -850, -850, -850),
    Tissue.BOWEL_WALL: (35, 70, 80, 65),
    Tissue.BOWEL_FLUID: (10, 10, 10, 10),
    Tissue.BOWEL_GAS: (-1000, -1000, -1000, -1000),
    Tissue.BILE: (8, 8, 8, 8),
    Tissue.PANCREAS: (45, 115, 95, 78),
    Tissue.ASCITES: (8, 8, 8, 8),
}
# Tissues whose enhancement scales with the patient's bolus (contrast-enhanced vessels and organs).
BOLUS_SCALED = (Tissue.AORTA, Tissue.IVC, Tissue.PORTAL_VEIN, Tissue.HEPATIC_VEIN, Tissue.SPLEEN,
                Tissue.KIDNEY_CORTEX, Tissue.KIDNEY_MEDULLA, Tissue.PANCREAS)

# Enlarged (metastatic) lymph nodes at the porta hepatis: soft tissue, mild enhancement.
LYMPH_NODE_HU = (40.0, 60.0, 80.0, 70.0)

LIVER_NORMAL = np.array(TISSUE_HU[Tissue.LIVER], dtype=float)
# Steatotic liver (data.md 3.1): lower baseline in every phase.
LIVER_STEATOTIC = np.array((38.0, 58.0, 88.0, 75.0))


@dataclass(frozen=True)
class LesionPattern:
    """Lesion deltas vs the same patient's liver in the same phase (NC, AP, PVP, DP).

    ``cystic`` lesions ignore ``core`` and take an absolute, non-enhancing HU: treating cystic parts as deltas
    makes them "enhance", which is wrong.
    """

    core: tuple[float, float, float, float]
    rim: tuple[float, float, float, float] | None = None
    capsule: tuple[float, float, float, float] | None = None
    cystic: bool = False


PATTERNS: dict[str, LesionPattern] = {
    "hcc_typical": LesionPattern((-8, 28, -12, -16), capsule=(0, 5, 18, 22)),
    "hcc_atypical": LesionPattern((-8, 8, -6, -8), capsule=(0, 0, 8, 10)),
    "hcc_hypo": LesionPattern((-10, -10, -25, -26), capsule=(0, 0, 4, 6)),
    "icc_typical": LesionPattern((-16, -32, -30, 2), rim=(-10, 14, -2, -4)),
    "icc_hyper": LesionPattern((-14, 15, -10, -4), rim=(-10, 18, 0, -2)),
    "icc_hypo": LesionPattern((-18, -30, -40, -18), rim=(-10, 10, -6, -8)),
    "met_ring": LesionPattern((-20, -38, -52, -38), rim=(-12, 10, -8, -14)),
    "met_hypo": LesionPattern((-18, -30, -45, -32)),
    "met_hyper": LesionPattern((-15, 18, -18, -20)),
    "met_cystic": LesionPattern((0, 0, 0, 0), rim=(-10, 6, -10, -12), cystic=True),
}

# Per-lesion random shift shared across phases, independent per-phase part, and bolus-timing jitter (data.md 3.3).
LESION_SHIFT_SD = 12.0
LESION_PHASE_SD = 0.6 * LESION_SHIFT_SD
NC_DELTA_MAX = 5.0
CYSTIC_HU = (5.0, 25.0)
NECROSIS_HU = (15.0, 35.0)
CALCIFICATION_HU = (200.0, 800.0)


def tissue_lut(liver_curve: np.ndarray, bolus: float) -> np.ndarray:
    """Return a (4, n_tissues) float32 lookup table of HU per phase for one patient.

    ``bolus`` scales the contrast enhancement (post-contrast minus NC) of vessels and enhancing organs.
    """
    lut = np.zeros((4, len(Tissue)), dtype=np.float32)
    for tissue, values in TISSUE_HU.items():
        curve = np.asarray(values, dtype=float)
        if tissue in BOLUS_SCALED:
            curve = curve[0] + (curve - curve[0]) * bolus
        lut[:, tissue] = curve
    lut[:, Tissue.LIVER] = liver_curve
    return lut
