"""Detect protected health information (PHI) and, on request, remove it.

Import refuses identifiable files unless de-identification is asked for. Then
names and ids become the case pseudonym, other identifying text is blanked,
dates are shifted by a per-case offset (intervals between series survive), private
tags are dropped and every instance UID is replaced through a deterministic
mapping (same salt and original UID -> same new UID), so the phases keep their
shared study and frame of reference and a re-import maps to the same UIDs.
Files that already declare ``PatientIdentityRemoved = YES`` together with a
``DeidentificationMethod`` (the synthetic phantoms do) pass as they are.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.uid import UID_dictionary, generate_uid

DEIDENTIFICATION_METHOD = "reader-study import: pseudonyms, dates shifted, new UIDs"  # LO: <= 64 chars
PSEUDONYM_TAGS = ("PatientName", "PatientID")
BLANKED_TAGS = (
    "PatientBirthDate", "PatientBirthTime", "PatientAddress", "PatientTelephoneNumbers", "OtherPatientIDs",
    "OtherPatientNames", "OtherPatientIDsSequence", "PatientMotherBirthName", "MilitaryRank", "EthnicGroup",
    "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "ReferringPhysicianName",
    "ReferringPhysicianAddress", "PerformingPhysicianName", "OperatorsName", "PhysiciansOfRecord",
    "NameOfPhysiciansReadingStudy", "RequestingPhysician", "AccessionNumber", "StationName", "DeviceSerialNumber",
    "StudyID", "MedicalRecordLocator", "AdmissionID", "IssuerOfPatientID", "PatientComments",
)
DATE_TAGS = ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate", "InstanceCreationDate")
PHI_TAGS = PSEUDONYM_TAGS + BLANKED_TAGS + DATE_TAGS
KEPT_UID_TAGS = {"SOPClassUID", "ReferencedSOPClassUID", "TransferSyntaxUID", "MediaStorageSOPClassUID",
                 "ImplementationClassUID", "CodingSchemeUID", "ContextGroupExtensionCreatorUID"}


def declares_deidentified(ds: Dataset) -> bool:
    """True when the file says it was de-identified and how."""
    removed = str(ds.get("PatientIdentityRemoved", "")).strip().upper() == "YES"
    return removed and bool(str(ds.get("DeidentificationMethod", "")).strip())


def find_phi(ds: Dataset) -> list[str]:
    """Names of the identifying tags that hold a value (empty for declared de-identified files)."""
    if declares_deidentified(ds):
        return []
    return [keyword for keyword in PHI_TAGS if str(ds.get(keyword, "") or "").strip()]


def mapped_uid(salt: str, uid: str) -> str:
    """Deterministic replacement UID for ``uid`` under ``salt``."""
    return str(generate_uid(entropy_srcs=[salt, uid]))


def date_shift_days(salt: str, case_id: str) -> int:
    """A per-case shift of 1..3650 days, stable for the same salt."""
    digest = hashlib.sha256(f"{salt}:{case_id}".encode()).digest()
    return 1 + int.from_bytes(digest[:4], "big") % 3650


def deidentify(ds: Dataset, *, case_id: str, salt: str) -> None:
    """De-identify ``ds`` in place (see the module docstring for what is changed)."""
    shift = dt.timedelta(days=date_shift_days(salt, case_id))
    ds.remove_private_tags()
    for keyword in PSEUDONYM_TAGS:
        setattr(ds, keyword, case_id)
    for keyword in BLANKED_TAGS:
        if keyword in ds:
            delattr(ds, keyword)
    for keyword in DATE_TAGS:
        if str(ds.get(keyword, "") or "").strip():
            setattr(ds, keyword, _shift_date(str(ds.get(keyword)), shift))
    ds.walk(lambda dataset, element: _map_uid(element, salt))
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "MediaStorageSOPInstanceUID" in meta:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEIDENTIFICATION_METHOD


def _shift_date(value: str, shift: dt.timedelta) -> str:
    try:
        return (dt.datetime.strptime(value.strip()[:8], "%Y%m%d") - shift).strftime("%Y%m%d")
    except ValueError:
        return ""


def _map_uid(element: DataElement, salt: str) -> None:
    if element.VR != "UI" or element.keyword in KEPT_UID_TAGS or not element.value:
        return
    if element.VM > 1:
        element.value = [v if v in UID_dictionary else mapped_uid(salt, str(v)) for v in element.value]
    elif element.value not in UID_dictionary:
        element.value = mapped_uid(salt, str(element.value))
