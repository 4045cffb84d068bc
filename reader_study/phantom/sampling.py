"""Sampling one case's parameters (demographics, anatomy, lesions, acquisition) without rendering any voxels.

Each aspect draws from its own child of the case's seed sequence, so the acquisition (field of view, noise, timing,
vendor wording, file names) is statistically independent of the class: nothing in the metadata can leak it.
Sampling is cheap (~1 ms), so calibration and leakage tests run on thousands of cases.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np

from .anatomy import AnatomyParams, liver_field, portal_tree, sample_anatomy
from .attenuation import LIVER_NORMAL, LIVER_STEATOTIC
from .classes import CLASS_SPECS, ClassSpec, demographics, pathology_weights
from .lesions import Lesion, Timing, calcifications, make_lesion, necrosis_params, place_centres

STREAMS = ("demographics", "anatomy", "lesions", "acquisition", "noise", "files")


@dataclass(frozen=True)
class Acquisition:
    """Scanner-side parameters; drawn from a stream that never sees the class."""

    fov_mm: float
    slice_spacing_mm: float
    table_offset: tuple[float, float]
    z_top: float
    phase_shifts: np.ndarray  # (4, 3) rigid patient shift per phase (x, y, z) mm
    noise_sd: np.ndarray  # (4,) HU
    psf_mm: float
    wording: int  # index into dicom_writer.SERIES_WORDINGS
    kvp: int
    start_seconds: float  # time of day of the pre-contrast series
    phase_delays: np.ndarray  # (4,) s after the pre-contrast series
    contrast_volume_ml: float
    flow_rate: float
    study_day: int


@dataclass(frozen=True)
class CaseParameters:
    """Everything needed to render a case; the generator's answer key (never shown to readers)."""

    case_id: str
    klass: str
    cohort: str
    seed: int
    size: int
    slices: int
    age: int
    sex: str
    pathology_type: str
    pattern: str
    extras: frozenset[str]
    liver_curve: np.ndarray  # (4,) HU
    bolus: float
    liver_texture_hu: float
    timing: Timing
    anatomy: AnatomyParams
    lesions: tuple[Lesion, ...]
    ducts: tuple[tuple[tuple, tuple, float], ...]
    wedges: tuple[tuple[tuple, tuple, float], ...]  # arterial perfusion wedges: centre, radii, AP delta
    nodes: tuple[tuple[tuple, float], ...]  # porta hepatis lymph nodes: centre, radius (outside the liver)
    acquisition: Acquisition

    @property
    def spec(self) -> ClassSpec:
        return CLASS_SPECS[self.klass]


def case_streams(case_id: str, seed: int) -> dict[str, np.random.Generator]:
    """Independent generators per aspect, derived from (seed, case id) so one case regenerates on its own."""
    root = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, zlib.crc32(case_id.encode())])
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, root.spawn(len(STREAMS)))}


def slice_spacing_for(slices: int) -> float:
    """5 mm slices as in the ALMSS data, thicker for tiny test volumes so they still cover the liver."""
    return 5.0 if slices * 5.0 >= 200.0 else float(np.ceil(400.0 / slices) / 2.0)


def sample_acquisition(rng: np.random.Generator, slices: int) -> Acquisition:
    spacing = slice_spacing_for(slices)
    coverage = spacing * slices
    shifts = np.column_stack([rng.uniform(-1.5, 1.5, 4), rng.uniform(-1.5, 1.5, 4), rng.uniform(-5, 5, 4)])
    noise = rng.uniform(10.0, 20.0) * rng.uniform(0.85, 1.2, 4) * np.array([1.1, 1.0, 1.0, 1.0])
    delays = np.cumsum([0.0, rng.uniform(150, 220), rng.uniform(30, 42), rng.uniform(110, 220)])
    return Acquisition(
        fov_mm=float(rng.uniform(360.0, 390.0)),
        slice_spacing_mm=spacing,
        table_offset=(float(rng.uniform(-8, 8)), float(rng.uniform(-5, 15))),
        z_top=float(min(rng.uniform(95.0, 120.0), coverage / 2.0 + rng.uniform(0.0, 20.0))),
        phase_shifts=shifts,
        noise_sd=noise,
        psf_mm=float(rng.uniform(0.5, 0.8)),
        wording=int(rng.integers(0, 1 << 16)),
        kvp=int(rng.choice([100, 120, 120, 120])),
        start_seconds=float(rng.uniform(8 * 3600, 17 * 3600)),
        phase_delays=delays,
        contrast_volume_ml=float(rng.uniform(80, 110)),
        flow_rate=float(rng.choice([3.0, 3.5, 4.0])),
        study_day=int(rng.integers(0, 1500)),
    )


def _draw(rng, weights: dict[str, float]) -> str:
    names = list(weights)
    return str(rng.choice(names, p=np.asarray([weights[n] for n in names]) / sum(weights.values())))


def _sizes(rng, spec: ClassSpec, n: int) -> np.ndarray:
    low, high = spec.size_clip_cm
    main = np.clip(rng.lognormal(np.log(spec.size_median_cm), spec.size_sigma), low, high)
    others = np.clip(rng.lognormal(np.log(spec.size_median_cm * 0.6), spec.size_sigma, n - 1), low, main)
    return np.concatenate([[main], others]) * 10.0  # mm


def _lesions(rng, spec: ClassSpec, pattern: str, extras, anatomy: AnatomyParams, timing: Timing):
    n = min(1 + int(rng.poisson(spec.count_lambda)), spec.max_count)
    diameters = _sizes(rng, spec, n)
    depth = (-0.35, -0.05) if spec.name == "ICC" else (-1.0, -0.12)
    centres = place_centres(rng, anatomy, n, depth, prefer_right=spec.name == "HCC")
    lesions = []
    for index, (centre, diameter) in enumerate(zip(centres, diameters)):
        extra = {}
        if index == 0 and "necrosis" in extras and diameter > 50.0:
            extra.update(necrosis_params(rng))
        if pattern.startswith("hcc") and "mosaic" in extras:
            extra["mosaic_hu"] = rng.uniform(8.0, 15.0)
        if pattern.startswith("icc"):
            extra["centripetal_hu"] = rng.uniform(8.0, 16.0)
        if "calcification" in extras and index == 0:
            extra["calcifications"] = calcifications(rng, tuple(centre), (diameter / 2,) * 3)
        lesions.append(make_lesion(rng, centre, diameter, pattern, timing, **extra))
    lesions += _satellites(rng, lesions[0], pattern, timing) if "satellites" in extras else []
    if "serosal_implants" in extras:
        implants = place_centres(rng, anatomy, int(rng.integers(1, 5)), (-0.04, 0.0), prefer_right=False)
        implant_pattern = "met_cystic" if pattern == "met_cystic" or rng.random() < 0.5 else "met_hypo"
        lesions += [make_lesion(rng, c, rng.uniform(12, 30), implant_pattern, timing) for c in implants]
    return tuple(lesions)


def _satellites(rng, main: Lesion, pattern: str, timing: Timing) -> list[Lesion]:
    satellites = []
    for _ in range(int(rng.integers(1, 4))):
        direction = rng.normal(size=3)
        offset = direction / np.linalg.norm(direction) * np.mean(main.radii) * rng.uniform(1.3, 1.8)
        satellites.append(make_lesion(rng, np.asarray(main.centre) + offset, rng.uniform(5, 15), pattern, timing))
    return satellites


def _ducts(rng, lesion: Lesion, anatomy: AnatomyParams) -> tuple:
    """Dilated bile ducts running peripherally (upstream) from a lesion."""
    centre = np.asarray(lesion.centre)
    hilum = np.array([-0.15 * anatomy.cavity[0], 0.05 * anatomy.cavity[1], -20.0])
    outward = centre - hilum
    outward /= max(np.linalg.norm(outward), 1e-6)
    ducts = []
    for _ in range(int(rng.integers(1, 4))):
        direction = outward + rng.normal(0, 0.4, 3)
        direction /= np.linalg.norm(direction)
        start = centre + direction * np.mean(lesion.radii) * 0.9
        end = start + direction * rng.uniform(20, 45)
        ducts.append((tuple(start), tuple(end), float(rng.uniform(1.5, 4.0))))
    return tuple(ducts)


def _retraction(rng, lesion: Lesion, anatomy: AnatomyParams) -> tuple[float, float, float, float, float]:
    """A capsular dent where the line from the liver's middle through a peripheral lesion meets the surface."""
    centre = np.asarray(lesion.centre)
    lo, hi = (np.asarray(v) for v in anatomy.liver_box)
    direction = centre - (lo + hi) / 2.0
    direction[2] = 0.0
    direction /= max(np.linalg.norm(direction), 1e-6)
    point = centre
    for step in np.arange(0.0, 150.0, 3.0):
        point = centre + direction * step
        if liver_field(anatomy, point[2], point[1], point[0]) > 0:
            break
    radius = max(8.0, 0.6 * float(np.mean(lesion.radii)))
    return (*(float(v) for v in point), radius, float(rng.uniform(0.15, 0.3)))


def _wedge(rng, lesion: Lesion, timing: Timing) -> tuple:
    """A transient arterial perfusion wedge next to a lesion (isodense in later phases)."""
    direction = rng.normal(size=3)
    direction /= np.linalg.norm(direction)
    width = rng.uniform(12.0, 25.0)
    centre = np.asarray(lesion.centre) + direction * (float(np.mean(lesion.radii)) + 0.6 * width)
    return tuple(float(v) for v in centre), (width, width, 0.7 * width), 15.0 * timing.arterial


def _porta_nodes(rng, anatomy: AnatomyParams) -> tuple:
    """1-3 enlarged lymph nodes beside the main portal vein (porta hepatis / gastrohepatic ligament)."""
    start, hilum, _radius = portal_tree(anatomy)[0]
    nodes = []
    for _ in range(int(rng.integers(1, 4))):
        along = np.asarray(start) + rng.uniform(0.2, 0.8) * (np.asarray(hilum) - np.asarray(start))
        offset = rng.normal(size=3) * np.array([1.0, 1.0, 0.3])
        offset *= rng.uniform(12.0, 20.0) / np.linalg.norm(offset)
        nodes.append((tuple(float(v) for v in along + offset), float(rng.uniform(5.0, 11.0))))
    return tuple(nodes)


def _liver_curve(rng, steatotic: bool, bolus: float) -> np.ndarray:
    base = LIVER_STEATOTIC if steatotic else LIVER_NORMAL
    nc = base[0] + rng.normal(0.0, 6.0)
    enhancement = (base[1:] - base[0]) * bolus * rng.uniform(0.85, 1.15)
    return np.concatenate([[nc], nc + enhancement])


def sample_case(case_id: str, klass: str, seed: int, *, cohort: str = "train", size: int = 512,
                slices: int = 64) -> CaseParameters:
    """Draw every parameter of one case; ``klass`` is one of ``vocabulary.EIGHT_CLASSES``."""
    if klass not in CLASS_SPECS:
        raise ValueError(f"unknown phantom class {klass!r}; expected one of {list(CLASS_SPECS)}")
    spec = CLASS_SPECS[klass]
    streams = case_streams(case_id, seed)
    people = streams["demographics"]
    table = demographics(cohort, klass)
    age = int(np.clip(round(people.normal(table.age_mean, table.age_sd)), 18, 95))
    sex = "F" if people.random() < table.female_fraction else "M"
    pathology = _draw(people, pathology_weights(klass))
    rng = streams["lesions"]
    extras = frozenset(name for name, p in sorted(spec.extras.items()) if rng.random() < p)
    cirrhotic = "cirrhosis" in extras
    ascites = "ascites" in extras or (cirrhotic and rng.random() < 0.3)
    anatomy = sample_anatomy(streams["anatomy"], sex == "F", cirrhotic, cirrhotic or "pseudocirrhosis" in extras,
                             ascites)
    timing = Timing(arterial=rng.uniform(0.5, 1.2), venous=rng.uniform(0.8, 1.1))
    pattern = _draw(rng, spec.pattern_mix)
    lesions = _lesions(rng, spec, pattern, extras, anatomy, timing)
    ducts = _ducts(rng, lesions[0], anatomy) if "biliary_dilatation" in extras else ()
    wedges = (_wedge(rng, lesions[0], timing),) if "perfusion_wedge" in extras else ()
    nodes = _porta_nodes(rng, anatomy) if "porta_nodes" in extras else ()
    if "capsular_retraction" in extras:
        anatomy = replace(anatomy, dents=(_retraction(rng, lesions[0], anatomy),))
    bolus = float(rng.uniform(0.85, 1.15))
    texture = rng.uniform(8.0, 12.0) if cirrhotic else rng.uniform(3.0, 6.0)
    return CaseParameters(
        case_id=case_id, klass=klass, cohort=cohort, seed=seed, size=size, slices=slices, age=age, sex=sex,
        pathology_type=pathology, pattern=pattern, extras=extras,
        liver_curve=_liver_curve(rng, "steatosis" in extras, bolus), bolus=bolus, liver_texture_hu=float(texture),
        timing=timing, anatomy=anatomy, lesions=lesions, ducts=ducts, wedges=wedges, nodes=nodes,
        acquisition=sample_acquisition(streams["acquisition"], slices),
    )
