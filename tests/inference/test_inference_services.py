"""Model registry, the import -> inference rule and the coordinator status view (no worker needed)."""
from __future__ import annotations

import shutil

import pytest
from django.contrib.auth import get_user_model

from inference import services
from inference.models import InferenceResult, ModelVersion
from inference.registry import RegistrationError, register_model
from reader_study import clock
from reader_study.audit.models import AuditEvent
from reader_study.cases.models import Case

pytestmark = pytest.mark.django_db


def make_case(case_id: str = "C1") -> Case:
    return Case.objects.create(case_id=case_id, age=60, sex="M", cohort="train", imported_at=clock.now())


def make_model(version: str = "1", **kwargs) -> ModelVersion:
    return ModelVersion.objects.create(name="m", version=version, path="x", checksum="0" * 64,
                                       created_at=clock.now(), **kwargs)


def test_import_rule_prefers_study_models_then_the_active_default():
    from reader_study.studies.models import ReaderStudy

    first, second = make_case("C1"), make_case("C2")
    assert services.models_for_cases([first.pk]) == {first.pk: []}
    default = make_model("default", active_default=True)
    study_model = make_model("study")
    study = ReaderStudy.objects.create(name="S", model_version=study_model, created_at=clock.now())
    study.cases.add(first, through_defaults={"key": "k1"})
    plan = services.models_for_cases([first.pk, second.pk])
    assert plan == {first.pk: [study_model], second.pk: [default]}


def test_request_inference_queues_once_and_requeues_failed(django_capture_on_commit_callbacks):
    case, model = make_case(), make_model()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.request_inference(case, model)
        again = services.request_inference(case, model)
    assert again.pk == result.pk and result.status == "queued" and len(callbacks) == 1
    InferenceResult.objects.filter(pk=result.pk).update(status="failed", message="boom")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        requeued = services.request_inference(case, model)
    assert requeued.status == "queued" and len(callbacks) == 1
    assert AuditEvent.objects.filter(action="inference.queued", object_id=str(result.pk)).count() == 2


def test_status_view_is_for_coordinators_only(client):
    case, model = make_case(), make_model()
    InferenceResult.objects.create(case=case, model_version=model, status="running", message="segmenting",
                                   created_at=clock.now(), primary_probabilities={"HCC": 0.9, "ICC": 0.05, "LM": 0.05})
    url = f"/inference/cases/{case.pk}/status"
    reader = get_user_model().objects.create_user("reader", password="pw-123456789")
    client.force_login(reader)
    assert client.get(url).status_code == 403
    coordinator = get_user_model().objects.create_user("coord", password="pw-123456789", is_staff=True)
    client.force_login(coordinator)
    body = client.get(url).json()
    assert body["case"] == "C1" and body["results"][0]["status"] == "running"
    assert body["results"][0]["message"] == "segmenting"
    assert "primary_probabilities" not in body["results"][0]
    assert client.get("/inference/cases/999999/status").status_code == 404


@pytest.mark.slow
def test_register_model_checksums_copies_and_refuses_changed_files(tiny_model_dirs, media_root, tmp_path):
    model, created = register_model(tiny_model_dirs["bundle"], tiny_model_dirs["segmentation"], name="demo",
                                    version="1", activate=True)
    assert created and model.is_demo and model.active_default and len(model.checksum) == 64
    assert (media_root / model.path / "primary.pt").is_file()
    assert list((media_root / model.segmentation_path).glob("fold_*/checkpoint_final.pth"))
    assert set(model.cutoffs) == {"primary", "origin"} and model.config["input_size"]
    assert model.training_data["source"] == "reader_study.phantom"
    same, created_again = register_model(tiny_model_dirs["bundle"], tiny_model_dirs["segmentation"], name="demo",
                                         version="1")
    assert (same.pk, created_again) == (model.pk, False)

    altered = tmp_path / "bundle"
    shutil.copytree(tiny_model_dirs["bundle"], altered)
    (altered / "LABEL.txt").write_text("changed\n")
    with pytest.raises(RegistrationError, match="changed"):
        register_model(altered, tiny_model_dirs["segmentation"], name="demo", version="2")
    with pytest.raises(RegistrationError):
        register_model(tmp_path, tiny_model_dirs["segmentation"], name="demo", version="3")
    assert ModelVersion.objects.count() == 1
    second, _ = register_model(tiny_model_dirs["bundle"], tiny_model_dirs["segmentation"], name="demo",
                               version="4", activate=True)
    assert list(ModelVersion.objects.filter(active_default=True)) == [second]


@pytest.mark.slow
def test_run_almss_sync_command_and_nnunet_export(transactional_db, tiny_model_dirs, media_root, phantom_folder,
                                                   tmp_path, capsys):
    import json

    import SimpleITK as sitk
    from django.core.management import call_command

    from reader_study.cases.models import ReferenceMask
    from reader_study.cases.services import import_cases
    from reader_study.cases.volumes import load_mask

    register_model(tiny_model_dirs["bundle"], tiny_model_dirs["segmentation"], name="tiny", version="s1")
    import_cases(phantom_folder, phantom_folder / "manifest.csv")
    case = Case.objects.order_by("case_id").first()

    call_command("run_almss", "--case", case.case_id, "--model", "tiny:s1", "--sync")
    printed = json.loads(capsys.readouterr().out)
    assert printed["status"] == "done" and printed["model_version"] == "tiny s1"
    assert set(printed["primary_probabilities"]) == {"HCC", "ICC", "LM"} and printed["timings"]["total_s"] > 0
    call_command("run_almss", "--case", case.case_id, "--model", "tiny:s1", "--sync")
    assert json.loads(capsys.readouterr().out)["finished_at"] == printed["finished_at"]  # idempotent

    call_command("export_nnunet_dataset", "--out", str(tmp_path / "raw"), "--cohort", "all")
    folder = tmp_path / "raw" / "Dataset501_LiverTumour"
    meta = json.loads((folder / "dataset.json").read_text())
    masks = list(ReferenceMask.objects.order_by("case__case_id", "phase"))
    assert meta["numTraining"] == len(masks) == 8
    first = masks[0]
    label = sitk.ReadImage(str(folder / "labelsTr" / f"{first.case.case_id}_{first.phase}.nii.gz"))
    assert (sitk.GetArrayFromImage(label) == load_mask(first)).all()
