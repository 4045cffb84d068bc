"""Find the DICOM files of an import: walk a folder (or a safely extracted zip).

Exported CDs carry more than images (a viewer program, autorun files, text):
such files are skipped and listed, not fatal. A file that *claims* to be DICOM
(``DICM`` preamble or a DICOM extension) but does not parse is an error, since
silently dropping it could drop a slice. When a ``DICOMDIR`` is present its
references decide which files of that folder are images.
"""
from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pydicom
from pydicom.errors import InvalidDicomError

from .errors import ImportFailed
from .report import SkippedFile

DICOM_EXTENSIONS = {".dcm", ".dicom", ".dic", ".ima"}
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
MASK_FOLDER = "masks"


@dataclass
class ScanResult:
    """DICOM candidates (absolute paths) and the files skipped with their reason."""

    root: Path
    dicom_files: list[Path] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    def display(self, path: Path) -> str:
        """Return the path as the user knows it (relative to the imported folder)."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def check_zip_names(zip_path: Path) -> list[zipfile.ZipInfo]:
    """Refuse a zip whose entries could escape the extraction folder (``..``, absolute, drive names)."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise ImportFailed(zip_path.name, f"not a readable zip file ({exc})") from exc
    with archive:
        entries = archive.infolist()
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
            raise ImportFailed(
                f"{zip_path.name}:{entry.filename}", "unsafe zip entry name (absolute or containing '..'); refused"
            )
        if entry.external_attr >> 28 == 0o12:  # a symbolic link stored in the zip
            raise ImportFailed(f"{zip_path.name}:{entry.filename}", "symbolic links in zip files are refused")
    return entries


def extract_zip(zip_path: Path, dest: Path) -> Path:
    """Extract a zip into ``dest`` after checking every entry name and the space it needs; return ``dest``."""
    entries = check_zip_names(zip_path)
    dest.mkdir(parents=True, exist_ok=True)
    needed = sum(entry.file_size for entry in entries)
    free = shutil.disk_usage(dest).free
    if needed > 0.9 * free:
        raise ImportFailed(zip_path.name, f"unpacks to {needed / 1e9:.1f} GB but only {free / 1e9:.1f} GB are free")
    with zipfile.ZipFile(zip_path) as archive:
        for entry in archive.infolist():
            target = dest / entry.filename.replace("\\", "/")
            if not target.resolve().is_relative_to(dest.resolve()):
                raise ImportFailed(f"{zip_path.name}:{entry.filename}", "zip entry escapes the folder; refused")
            archive.extract(entry, dest)
    return dest


def scan_folder(root: Path) -> ScanResult:
    """Classify every file under ``root`` as a DICOM candidate or a skipped file."""
    result = ScanResult(root=root)
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    referenced = _dicomdir_references(root, files, result)
    for path in files:
        rel = result.display(path)
        if path.name.upper() == "DICOMDIR":
            result.skipped.append(SkippedFile(rel, "DICOMDIR index (used to find the images)"))
        elif path.parent.name == MASK_FOLDER:
            result.skipped.append(SkippedFile(rel, "reference mask (imported with its case)"))
        elif referenced is not None and _under_dicomdir(path, referenced) and path.resolve() not in referenced[1]:
            result.skipped.append(SkippedFile(rel, "not referenced by the DICOMDIR"))
        else:
            reason = classify_file(path, rel)
            if reason is None:
                result.dicom_files.append(path)
            else:
                result.skipped.append(SkippedFile(rel, reason))
    return result


def classify_file(path: Path, display: str) -> str | None:
    """Return ``None`` for a DICOM file, or why it is skipped; raise for a broken DICOM file."""
    if path.name.lower() in IGNORED_NAMES or path.name.startswith("._"):
        return "operating-system metadata file"
    claims_dicom = path.suffix.lower() in DICOM_EXTENSIONS
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(132)
    if head[128:132] == b"DICM":
        claims_dicom = True
    if size == 0:
        if claims_dicom or not path.suffix:
            raise ImportFailed(display, "empty file (0 bytes); expected a DICOM image")
        return "empty file"
    if claims_dicom:
        return None  # parsed (and errors reported) when the dataset is read
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    except Exception:  # noqa: BLE001 - anything unparsable without a DICOM claim is simply not DICOM
        return "not a DICOM file"
    if "SOPClassUID" not in ds or "SOPInstanceUID" not in ds:
        return "not a DICOM file"
    return None


def _dicomdir_references(root: Path, files: list[Path], result: ScanResult) -> tuple[set[Path], set[Path]] | None:
    """Return (DICOMDIR folders, referenced files), or ``None`` when there is no DICOMDIR."""
    dicomdirs = [p for p in files if p.name.upper() == "DICOMDIR"]
    if not dicomdirs:
        return None
    folders: set[Path] = set()
    referenced: set[Path] = set()
    for dicomdir in dicomdirs:
        try:
            ds = pydicom.dcmread(dicomdir)
            records = list(ds.DirectoryRecordSequence)
        except (InvalidDicomError, AttributeError, OSError, ValueError) as exc:
            raise ImportFailed(result.display(dicomdir), f"DICOMDIR cannot be read ({exc})") from exc
        folders.add(dicomdir.parent.resolve())
        for record in records:
            file_id = record.get("ReferencedFileID")
            if not file_id:
                continue
            parts = [file_id] if isinstance(file_id, str) else list(file_id)
            target = dicomdir.parent.joinpath(*parts)
            if not target.is_file():
                raise ImportFailed(result.display(dicomdir), f"references a missing file {'/'.join(parts)}")
            referenced.add(target.resolve())
    return folders, referenced


def _under_dicomdir(path: Path, referenced: tuple[set[Path], set[Path]]) -> bool:
    parents = set(path.resolve().parents)
    return any(folder in parents for folder in referenced[0])
