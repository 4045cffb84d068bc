"""The controlled vocabulary of the ALMSS study, shared by every layer (pure Python).

Sources: ALMSS paper, Methods "Study design" and Table 1. The order of
``TUMOUR_CLASSES`` is the class index of network 1 and the order of
``ORIGIN_SYSTEMS`` is the class index of network 2; changing either order
invalidates trained models.
"""
from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """Contrast phases in acquisition order (the LSTM reads them in this order)."""

    PRE_CONTRAST = "pre_contrast"
    ARTERIAL = "arterial"
    PORTAL_VENOUS = "portal_venous"
    DELAYED = "delayed"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]


PHASES: tuple[Phase, ...] = (Phase.PRE_CONTRAST, Phase.ARTERIAL, Phase.PORTAL_VENOUS, Phase.DELAYED)
PHASE_LABELS = {
    Phase.PRE_CONTRAST: "Pre-contrast",
    Phase.ARTERIAL: "Arterial",
    Phase.PORTAL_VENOUS: "Portal venous",
    Phase.DELAYED: "Delayed",
}


class TumourClass(StrEnum):
    """Network 1 classes (index = position in TUMOUR_CLASSES)."""

    HCC = "HCC"
    ICC = "ICC"
    METASTASIS = "LM"

    @property
    def label(self) -> str:
        return TUMOUR_CLASS_LABELS[self]


TUMOUR_CLASSES: tuple[TumourClass, ...] = (TumourClass.HCC, TumourClass.ICC, TumourClass.METASTASIS)
TUMOUR_CLASS_LABELS = {
    TumourClass.HCC: "Hepatocellular carcinoma (HCC)",
    TumourClass.ICC: "Intrahepatic cholangiocarcinoma (ICC)",
    TumourClass.METASTASIS: "Liver metastasis (LM)",
}


class OriginSystem(StrEnum):
    """Network 2 classes: the primary origin of a liver metastasis (six organ systems)."""

    INTESTINAL = "intestinal"
    RESPIRATORY = "respiratory"
    BREAST = "breast"
    ESOPHAGOGASTRIC = "esophagogastric"
    PANCREATOBILIARY = "pancreatobiliary"
    GYNECOLOGIC = "gynecologic"

    @property
    def label(self) -> str:
        return ORIGIN_LABELS[self]


ORIGIN_SYSTEMS: tuple[OriginSystem, ...] = (
    OriginSystem.INTESTINAL,
    OriginSystem.RESPIRATORY,
    OriginSystem.BREAST,
    OriginSystem.ESOPHAGOGASTRIC,
    OriginSystem.PANCREATOBILIARY,
    OriginSystem.GYNECOLOGIC,
)
ORIGIN_LABELS = {
    OriginSystem.INTESTINAL: "Intestinal (ICLM)",
    OriginSystem.RESPIRATORY: "Respiratory (RCLM)",
    OriginSystem.BREAST: "Breast (BCLM)",
    OriginSystem.ESOPHAGOGASTRIC: "Esophagogastric (ECLM)",
    OriginSystem.PANCREATOBILIARY: "Pancreatobiliary (PCLM)",
    OriginSystem.GYNECOLOGIC: "Gynecologic (GCLM)",
}

# The eight classes of the paper (HCC, ICC and six metastasis origins): the phantom mix and Table 2.
EIGHT_CLASSES: tuple[str, ...] = ("HCC", "ICC") + tuple(o.value for o in ORIGIN_SYSTEMS)

# Table 1: fine pathology type -> (tumour class, origin system or None).
PATHOLOGY_TYPES: dict[str, tuple[TumourClass, OriginSystem | None, str]] = {
    "HCC": (TumourClass.HCC, None, "Hepatocellular carcinoma"),
    "ICC": (TumourClass.ICC, None, "Intrahepatic cholangiocarcinoma"),
    "COAD": (TumourClass.METASTASIS, OriginSystem.INTESTINAL, "Colon adenocarcinoma"),
    "READ": (TumourClass.METASTASIS, OriginSystem.INTESTINAL, "Rectal adenocarcinoma"),
    "SBA": (TumourClass.METASTASIS, OriginSystem.INTESTINAL, "Small bowel adenocarcinoma"),
    "PDAC": (TumourClass.METASTASIS, OriginSystem.PANCREATOBILIARY, "Pancreatic ductal adenocarcinoma"),
    "PAAC": (TumourClass.METASTASIS, OriginSystem.PANCREATOBILIARY, "Periampullary adenocarcinoma"),
    "CHOL": (TumourClass.METASTASIS, OriginSystem.PANCREATOBILIARY, "Cholangiocarcinoma (common bile duct)"),
    "GBAD": (TumourClass.METASTASIS, OriginSystem.PANCREATOBILIARY, "Gallbladder adenocarcinoma"),
    "STAD": (TumourClass.METASTASIS, OriginSystem.ESOPHAGOGASTRIC, "Stomach adenocarcinoma"),
    "GEAD": (TumourClass.METASTASIS, OriginSystem.ESOPHAGOGASTRIC, "Gastroesophageal adenocarcinoma"),
    "ESCC": (TumourClass.METASTASIS, OriginSystem.ESOPHAGOGASTRIC, "Esophageal squamous cell carcinoma"),
    "OV": (TumourClass.METASTASIS, OriginSystem.GYNECOLOGIC, "Ovarian serous cystadenocarcinoma"),
    "CSCC": (TumourClass.METASTASIS, OriginSystem.GYNECOLOGIC, "Cervical squamous cell carcinoma"),
    "UEAD": (TumourClass.METASTASIS, OriginSystem.GYNECOLOGIC, "Uterine endometrial adenocarcinoma"),
    "LUAD": (TumourClass.METASTASIS, OriginSystem.RESPIRATORY, "Lung adenocarcinoma"),
    "LUSC": (TumourClass.METASTASIS, OriginSystem.RESPIRATORY, "Lung squamous cell carcinoma"),
    "NSCC": (TumourClass.METASTASIS, OriginSystem.RESPIRATORY, "Nasopharyngeal squamous cell carcinoma"),
    "BRAD": (TumourClass.METASTASIS, OriginSystem.BREAST, "Breast adenocarcinoma"),
}


class Cohort(StrEnum):
    """Data-set roles of the paper (Table 2) plus the challenging-case subset."""

    TRAIN = "train"
    VALIDATION = "validation"
    INTERNAL_TEST = "internal_test"
    EXTERNAL_TEST = "external_test"
    EXPANDABILITY = "expandability"
    CHALLENGING = "challenging"


COHORTS: tuple[Cohort, ...] = tuple(Cohort)


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


def normalise_sex(value: str) -> Sex:
    """Map DICOM / manifest spellings to M or F; anything else is an error.

    ALMSS's own code crashed on other spellings and an earlier version encoded
    every woman as male (``'male' in 'female'``), so this is deliberately strict.
    """
    key = (value or "").strip().lower()
    if key in {"m", "male", "man"}:
        return Sex.MALE
    if key in {"f", "female", "woman"}:
        return Sex.FEMALE
    raise ValueError(f"sex must be M or F (or male/female), got {value!r}")


def class_of(tumour_class: TumourClass, origin: OriginSystem | None) -> str:
    """Return the eight-class label (HCC, ICC or the origin system) of a truth."""
    if tumour_class is TumourClass.METASTASIS:
        if origin is None:
            raise ValueError("a liver metastasis needs an origin system")
        return origin.value
    return tumour_class.value
