"""The importer's other doors and inputs: Celery task (direct and through a real worker), command,
real vendor files, and the synthetic phantom round trip."""
from __future__ import annotations

import io
import time

import numpy as np
import pydicom
import pytest
from django.core.management import CommandError, call_command
from pydicom.data import get_testdata_file

from reader_study import clock
from reader_study.audit.models import AuditEvent
from reader_study.cases.models import Case, CaseTruth, ImportJob, Instance, ReferenceMask, Series
from reader_study.cases.services import import_cases
from reader_study.cases.tasks import run_import
from reader_study.cases.volumes import load_mask, load_series_volume
from reader_study.vocabulary import PHASES

from .factories import DESCRIPTIONS, TIMES, manifest_row, uid, write_manifest, write_study


def make_job(source, manifest, **options) -> ImportJob:
    return ImportJob.objects.create(created_at=clock.now(), source=str(source), manifest=str(manifest),
                                    options=options)


@pytest.mark.django_db
def test_task_runs_the_job_and_records_progress_and_report(tmp_path, media_root):
    write_study(tmp_path / "in", "C001", slices=3, deidentified=False)
    job = make_job(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]), deidentify=True)
    assert run_import(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == ("done", 1.0, "")
    assert job.report["imported_cases"] == ["C001"] and job.report["deidentified"] is True
    assert Case.objects.get().import_job == job
    events = AuditEvent.objects.filter(object_type="cases.importjob", object_id=str(job.pk))
    assert set(events.values_list("action", flat=True)) == {"import_job.started", "import_job.done"}
    assert run_import(job_id=job.pk) == "done" and Case.objects.count() == 1  # redelivery does nothing


@pytest.mark.django_db
def test_task_marks_a_bad_import_failed_and_keeps_nothing(tmp_path, media_root):
    write_study(tmp_path / "in", "C001", slices=3, phases=PHASES[:3])
    job = make_job(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    assert run_import(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "missing phase(s) delayed" in job.error and job.finished_at
    assert Case.objects.count() == 0 and list(media_root.iterdir()) == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_import_through_a_real_celery_worker(tmp_path, celery_worker, worker_media):
    write_study(tmp_path / "in", "C001", slices=3)
    job = make_job(tmp_path / "in", write_manifest(tmp_path / "m.csv", [manifest_row("C001")]))
    run_import.delay(job_id=job.pk)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in {"done", "failed"}:
            break
        time.sleep(0.5)
    assert job.status == "done", job.error
    assert Series.objects.filter(study__case__case_id="C001").count() == 4
    assert all((worker_media / p).is_file() for p in Instance.objects.values_list("path", flat=True))


@pytest.mark.django_db
def test_command_prints_the_report_and_fails_with_the_message(tmp_path, media_root):
    write_study(tmp_path / "in", "C001", slices=3)
    (tmp_path / "in" / "README.TXT").write_text("CD")
    manifest = write_manifest(tmp_path / "m.csv", [manifest_row("C001")])
    out = io.StringIO()
    call_command("import_cases", str(tmp_path / "in"), manifest=str(manifest), stdout=out)
    assert "Imported 1 case(s), 12 slice(s)." in out.getvalue() and "Skipped README.TXT" in out.getvalue()
    out = io.StringIO()
    call_command("import_cases", str(tmp_path / "in"), manifest=str(manifest), stdout=out)
    assert "Already imported, unchanged (no-op): C001" in out.getvalue()
    bad = write_manifest(tmp_path / "bad.csv", [manifest_row("C001", sex="X")])
    with pytest.raises(CommandError, match="Import failed, nothing was changed.*sex must be M or F"):
        call_command("import_cases", str(tmp_path / "in"), manifest=str(bad))
    with pytest.raises(CommandError, match="is not CASE:PHASE=SERIES"):
        call_command("import_cases", str(tmp_path / "in"), manifest=str(manifest), phase_override=["C001=3"])


def write_vendor_study(folder, slices: int = 3):
    """Four phases built from the real TCIA abdominal slice (JPEG 2000, rows stored bottom-up)."""
    source = pydicom.dcmread(get_testdata_file("explicit_VR-UN.dcm", download=False))
    z0 = float(source.ImagePositionPatient[2])
    folder.mkdir(parents=True)
    for n, phase in enumerate(PHASES):
        series_uid = uid("vendor", phase.value)
        for k in range(slices):
            ds = pydicom.dcmread(get_testdata_file("explicit_VR-UN.dcm", download=False))
            ds.SeriesInstanceUID, ds.SeriesNumber, ds.SeriesDescription = series_uid, n + 2, DESCRIPTIONS[phase]
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid(series_uid, k)
            ds.ImagePositionPatient = [*source.ImagePositionPatient[:2], z0 + 2.5 * k]
            ds.AcquisitionTime = TIMES[phase]
            ds.save_as(folder / f"IM{n}{k}")
    return z0


@pytest.mark.django_db
def test_real_vendor_files_import_with_negative_row_direction(tmp_path, media_root):
    z0 = write_vendor_study(tmp_path / "in" / "PANC1" / "DICOM")
    manifest = write_manifest(tmp_path / "m.csv", [manifest_row("PANC1", tumour_class="LM", pathology_type="PDAC")])
    with pytest.raises(Exception, match="contains identifying data"):
        import_cases(tmp_path / "in", manifest)
    import_cases(tmp_path / "in", manifest, deidentify=True)
    assert CaseTruth.objects.get().origin == "pancreatobiliary"
    series = Series.objects.get(phase="portal_venous")
    zs = [p[2] for p in series.instances.values_list("image_position", flat=True)]
    assert zs == [z0 + 5.0, z0 + 2.5, z0]  # normal = (0, 0, -1): ascending along it is descending z
    volume = load_series_volume(series)
    assert volume.hu.shape == (3, 512, 512) and volume.spacing_zyx[0] == pytest.approx(2.5)
    assert np.allclose(volume.direction[:, 1], [0, -1, 0]) and np.allclose(volume.direction[:, 2], [0, 0, -1])
    assert 0 < np.median(volume.hu[volume.hu > -500]) < 100


@pytest.mark.django_db
def test_phantom_round_trip_preserves_hu_geometry_and_masks(tmp_path, media_root):
    from reader_study.phantom import generate_case, generate_dataset

    rows = generate_dataset(tmp_path / "ph", n_cases=2, seed=5, size=32, slices=6, compressed_fraction=0.5)
    report = import_cases(tmp_path / "ph", tmp_path / "ph" / "manifest.csv")
    assert sorted(report.imported_cases) == sorted(r.case_id for r in rows)
    assert ReferenceMask.objects.count() == 8
    syntaxes = set(Instance.objects.values_list("transfer_syntax_uid", flat=True))
    assert syntaxes == {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.80"}  # some phases JPEG-LS lossless
    for row in rows:
        klass = row.origin or row.tumour_class
        phantom = generate_case(row.case_id, klass, seed=5, size=32, slices=6, cohort=row.cohort)
        case = Case.objects.get(case_id=row.case_id)
        assert (case.age, case.sex) == (row.age, row.sex)
        for phase in PHASES:
            series = Series.objects.get(study__case=case, phase=phase.value)
            volume = load_series_volume(series)
            grid = phantom.grids[phase]
            assert np.array_equal(volume.hu, phantom.volumes[phase].astype(np.float32))
            assert volume.spacing_zyx == pytest.approx(tuple(grid.spacing))
            assert volume.origin == pytest.approx(tuple(grid.origin))
            mask = load_mask(ReferenceMask.objects.get(case=case, phase=phase.value))
            assert np.array_equal(mask, phantom.masks[phase])


@pytest.mark.django_db
def test_submitted_job_is_queued_after_commit_and_runs_with_its_options(tmp_path, media_root,
                                                                         django_capture_on_commit_callbacks):
    from reader_study.cases.services import submit_import

    write_study(tmp_path / "in", "C001", slices=3, deidentified=False)
    manifest = write_manifest(tmp_path / "m.csv", [manifest_row("C001")])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = submit_import(tmp_path / "in", manifest, deidentify=True,
                            phase_overrides={"C001": {PHASES[1]: "3"}})
    assert len(callbacks) == 1 and job.status == "queued"
    assert job.options["phase_overrides"] == {"C001": {"arterial": "3"}}
    assert AuditEvent.objects.filter(action="import_job.created", object_id=str(job.pk)).exists()
    assert run_import(job_id=job.pk) == "done"
    assert Series.objects.get(phase="arterial").phase_source == "manifest override"


def test_run_import_is_routed_to_the_default_queue_not_gpu():
    from reader_study.celery import app

    assert run_import.name == "reader_study.cases.tasks.run_import" and run_import.acks_late
    assert app.amqp.router.route({}, run_import.name)["queue"].name == "default"
