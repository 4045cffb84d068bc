"""An "oracle" feature set for calibrating class overlap: perfect segmentation, perfect ROI measurements.

Computed from sampled parameters only (no voxels), so a test can fit a classifier on thousands of cases in seconds.
data.md 3.3 targets a LM/HCC/ICC macro AUC of about 0.97 for this oracle: a CNN that sees noise, partial volume and
segmentation errors should then land near the paper's 0.92.
"""
from __future__ import annotations

import numpy as np

from .lesions import Lesion
from .sampling import CaseParameters

ROI_NOISE_HU = 6.0


def lesion_roi_mean(lesion: Lesion, liver_curve: np.ndarray) -> np.ndarray:
    """Mean HU per phase over a lesion, weighting core, rim and necrosis by their volume fractions."""
    radius = float(np.mean(lesion.radii))
    core = lesion.core if lesion.cystic else liver_curve + lesion.core
    mean = np.asarray(core, dtype=float)
    if lesion.rim is not None:
        rim_share = 1.0 - max(0.0, 1.0 - lesion.rim_mm / radius) ** 3
        mean = (1.0 - rim_share) * mean + rim_share * (liver_curve + lesion.rim)
    if lesion.necrosis:
        necrotic = lesion.necrosis**3
        mean = (1.0 - necrotic) * mean + necrotic * lesion.necrosis_hu
    return mean


def oracle_features(params: CaseParameters, rng: np.random.Generator, demographics: bool = False) -> np.ndarray:
    """Return [ROI mean HU x 4 phases (+ noise), log lesion count, log main diameter (, age/100, female)]."""
    main = params.lesions[0]
    roi = lesion_roi_mean(main, params.liver_curve) + rng.normal(0.0, ROI_NOISE_HU, 4)
    features = [*roi, np.log(len(params.lesions)), np.log(main.diameter_mm)]
    if demographics:
        features += [params.age / 100.0, float(params.sex == "F")]
    return np.asarray(features, dtype=float)
