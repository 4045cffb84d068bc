"""The eight phantom classes: class mix, lesion statistics, extras and demographics.

Sources: ``shared/notes/data.md`` section 3.3 (pattern mix, lesion count and size, extras) and the ALMSS paper
(Table 1 pathology counts, Table 2 demographics per cohort). Demographics use the Table 2 *counts*; for ICC the
printed percentage (24.6 %) disagrees with its count (89/248 = 35.9 %) while the counts add up to the printed
total of 642 women, so the count is taken as correct.
"""
from __future__ import annotations

from dataclasses import dataclass

from reader_study.vocabulary import EIGHT_CLASSES, PATHOLOGY_TYPES, OriginSystem, TumourClass


@dataclass(frozen=True)
class Demographics:
    """One cell of Table 2: number of cases, age mean and SD, number of women."""

    count: int
    age_mean: float
    age_sd: float
    females: int

    @property
    def female_fraction(self) -> float:
        return self.females / self.count if self.count else 0.0


@dataclass(frozen=True)
class ClassSpec:
    """Generation parameters of one of the eight classes (data.md table 3.3)."""

    name: str
    tumour_class: TumourClass
    origin: OriginSystem | None
    pattern_mix: dict[str, float]
    count_lambda: float
    max_count: int
    size_median_cm: float
    size_sigma: float
    size_clip_cm: tuple[float, float]
    extras: dict[str, float]


def _spec(name, tumour_class, origin, mix, lam, max_count, size, extras) -> ClassSpec:
    median, sigma, low, high = size
    return ClassSpec(name, tumour_class, origin, mix, lam, max_count, median, sigma, (low, high), extras)


_T, _O = TumourClass, OriginSystem
CLASS_SPECS: dict[str, ClassSpec] = {
    spec.name: spec
    for spec in (
        _spec("HCC", _T.HCC, None, {"hcc_typical": 0.70, "hcc_atypical": 0.15, "hcc_hypo": 0.15}, 0.8, 8,
              (4.5, 0.6, 1.0, 15.0), {"cirrhosis": 0.75, "necrosis": 0.6, "satellites": 0.15, "mosaic": 0.7,
                                        "pvtt": 0.15}),
        _spec("ICC", _T.ICC, None, {"icc_typical": 0.65, "icc_hyper": 0.15, "icc_hypo": 0.20}, 0.6, 6,
              (5.0, 0.55, 1.5, 14.0), {"cirrhosis": 0.15, "biliary_dilatation": 0.45, "satellites": 0.30,
                                       "capsular_retraction": 0.35}),
        _spec("intestinal", _T.METASTASIS, _O.INTESTINAL,
              {"met_ring": 0.65, "met_hypo": 0.20, "met_cystic": 0.10, "met_hyper": 0.05}, 2.0, 15,
              (3.0, 0.65, 0.5, 12.0), {"calcification": 0.08, "steatosis": 0.30}),
        _spec("respiratory", _T.METASTASIS, _O.RESPIRATORY, {"met_hypo": 0.45, "met_ring": 0.35, "met_hyper": 0.20},
              3.0, 25, (2.0, 0.65, 0.4, 8.0), {}),
        _spec("breast", _T.METASTASIS, _O.BREAST, {"met_hypo": 0.40, "met_ring": 0.30, "met_hyper": 0.30}, 4.0, 30,
              (1.8, 0.65, 0.4, 7.0), {"pseudocirrhosis": 0.15}),
        _spec("esophagogastric", _T.METASTASIS, _O.ESOPHAGOGASTRIC,
              {"met_ring": 0.45, "met_hypo": 0.45, "met_hyper": 0.10}, 2.5, 20, (2.4, 0.65, 0.5, 9.0),
              {"steatosis": 0.15, "porta_nodes": 0.40}),
        _spec("pancreatobiliary", _T.METASTASIS, _O.PANCREATOBILIARY,
              {"met_hypo": 0.55, "met_ring": 0.40, "met_cystic": 0.05}, 4.0, 30, (1.5, 0.6, 0.4, 6.0),
              {"biliary_dilatation": 0.35, "perfusion_wedge": 0.30}),
        _spec("gynecologic", _T.METASTASIS, _O.GYNECOLOGIC, {"met_cystic": 0.55, "met_hypo": 0.30, "met_ring": 0.15},
              2.0, 12, (2.5, 0.65, 0.5, 10.0), {"serosal_implants": 0.60, "calcification": 0.25, "ascites": 0.50}),
    )
}

# Table 2 of the paper, per cohort and class: (count, age mean, age SD, women).
_TABLE2_ROWS: dict[str, tuple[tuple[int, float, float, int], ...]] = {
    # class:            train                      internal test              external test              expandability
    "HCC": ((588, 53.36, 11.30, 61), (252, 54.11, 11.42, 32), (140, 52.74, 10.66, 15), (0, 0.0, 0.0, 0)),
    "ICC": ((248, 57.08, 10.69, 89), (106, 59.00, 11.36, 45), (120, 59.05, 10.08, 49), (0, 0.0, 0.0, 0)),
    "intestinal": ((419, 56.81, 11.73, 138), (180, 56.68, 12.30, 63), (130, 57.06, 12.62, 45), (29, 55.17, 16.51, 10)),
    "pancreatobiliary": ((197, 57.56, 11.62, 79), (84, 57.12, 11.14, 30), (30, 56.83, 11.86, 13),
                         (25, 51.60, 13.07, 11)),
    "esophagogastric": ((233, 59.91, 9.95, 45), (100, 59.37, 10.52, 26), (50, 57.14, 11.28, 13),
                        (39, 57.00, 12.23, 10)),
    "gynecologic": ((38, 52.89, 9.35, 38), (17, 49.53, 12.25, 17), (12, 52.92, 9.56, 12), (7, 51.43, 5.00, 7)),
    "respiratory": ((204, 57.05, 11.66, 58), (87, 56.71, 12.96, 23), (80, 57.71, 10.09, 32), (90, 59.98, 10.89, 9)),
    "breast": ((134, 49.43, 10.79, 134), (58, 50.34, 9.89, 58), (30, 50.33, 8.03, 30), (0, 0.0, 0.0, 0)),
}
_TABLE2_COHORTS = ("train", "internal_test", "external_test", "expandability")
# Cohorts without their own Table 2 column borrow the training column.
_COHORT_COLUMN = {"validation": "train", "challenging": "train"}

TABLE2: dict[str, dict[str, Demographics]] = {
    cohort: {name: Demographics(*rows[column]) for name, rows in _TABLE2_ROWS.items()}
    for column, cohort in enumerate(_TABLE2_COHORTS)
}

# Table 1 of the paper: total cases per fine pathology type (weights for the manifest's pathology_type).
TABLE1_COUNTS: dict[str, int] = {
    "HCC": 980, "ICC": 474, "COAD": 494, "READ": 219, "SBA": 16, "PDAC": 224, "PAAC": 35, "CHOL": 23, "GBAD": 29,
    "STAD": 309, "GEAD": 15, "ESCC": 59, "OV": 39, "CSCC": 15, "UEAD": 13, "LUAD": 280, "LUSC": 36, "NSCC": 55,
    "BRAD": 222,
}


def demographics(cohort: str, klass: str) -> Demographics:
    """Return the Table 2 cell for a cohort and class (cohorts outside Table 2 use the training column)."""
    column = _COHORT_COLUMN.get(cohort, cohort)
    if column not in TABLE2:
        raise ValueError(f"unknown cohort {cohort!r}; expected one of {sorted(set(TABLE2) | set(_COHORT_COLUMN))}")
    return TABLE2[column][klass]


def class_mix(cohort: str = "train", classes: tuple[str, ...] = EIGHT_CLASSES) -> dict[str, float]:
    """Return the class proportions of a Table 2 cohort restricted to ``classes`` (renormalised)."""
    unknown = [name for name in classes if name not in CLASS_SPECS]
    if unknown:
        raise ValueError(f"unknown phantom class(es) {unknown}; expected some of {list(EIGHT_CLASSES)}")
    counts = {name: demographics(cohort, name).count for name in classes}
    total = sum(counts.values())
    if total == 0:
        raise ValueError(f"cohort {cohort!r} has no cases of the classes {list(classes)} in Table 2")
    return {name: count / total for name, count in counts.items()}


def pathology_weights(klass: str) -> dict[str, float]:
    """Return the Table 1 pathology types of a class with their relative frequencies."""
    spec = CLASS_SPECS[klass]
    codes = {
        code: TABLE1_COUNTS[code]
        for code, (tumour_class, origin, _label) in PATHOLOGY_TYPES.items()
        if tumour_class is spec.tumour_class and origin == spec.origin
    }
    total = sum(codes.values())
    return {code: count / total for code, count in codes.items()}
