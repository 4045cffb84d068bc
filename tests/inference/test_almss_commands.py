"""``train_almss`` and ``evaluate_almss`` on phantom folders (no database): bundle written, metrics printed."""
from __future__ import annotations

import json
from io import StringIO

import pytest
import torch
from almss_factories import tiny_config
from django.core.management import CommandError, call_command

from inference.almss.bundle import ALMSSBundle
from inference.almss.sources import phantom_folder_samples, phantom_memory_samples
from reader_study.phantom import generate_dataset
from reader_study.vocabulary import PHASES

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def phantom_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("almss-phantoms")
    generate_dataset(root / "train", 12, seed=11, size=32, slices=8, cohort="train")
    generate_dataset(root / "validation", 6, seed=12, size=32, slices=8, cohort="validation")
    config_path = root / "tiny.json"
    config_path.write_text(tiny_config().to_json())
    return root, config_path


def test_phantom_folder_source_reads_volumes_masks_and_truth(phantom_folders):
    root, _ = phantom_folders
    samples = list(phantom_folder_samples(root / "validation"))
    assert len(samples) == 6
    manifest = (root / "validation" / "manifest.csv").read_text().splitlines()
    first = dict(zip(manifest[0].split(","), manifest[1].split(",")))
    sample = next(s for s in samples if s.case_id == first["case_id"])
    assert (sample.tumour_class, sample.origin or "", sample.sex) == (first["tumour_class"], first["origin"],
                                                                      first["sex"])
    for phase in PHASES:
        phase_input = sample.phase_inputs[phase]
        assert phase_input.hu.shape == (8, 32, 32)
        assert phase_input.liver_mask.any() and phase_input.tumour_mask.any()
        # Masks line up with the image: tumour and liver are brighter than air on every phase.
        assert phase_input.hu[phase_input.liver_mask].mean() > phase_input.hu.min() + 500
    assert list(phantom_folder_samples(root / "validation", cohorts=["train"])) == []


@pytest.mark.slow
def test_train_both_networks_then_evaluate(phantom_folders, tmp_path):
    root, config_path = phantom_folders
    bundle = tmp_path / "bundle"
    common = {"out": str(bundle), "phantoms": str(root / "train"), "val_phantoms": str(root / "validation"),
              "epochs": 1, "bootstrap": 20, "config": str(config_path), "stdout": StringIO(), "stderr": StringIO()}
    call_command("train_almss", network="primary", **common)
    call_command("train_almss", network="origin", **common)
    loaded = ALMSSBundle.load(bundle)
    assert loaded.label == "synthetic data, not for clinical use"
    assert set(loaded.cutoffs) == {"primary", "origin"}
    assert (bundle / "checkpoints" / "primary" / "last.pt").exists()
    out = StringIO()
    call_command("evaluate_almss", bundle=str(bundle), cohort="validation", phantoms=str(root / "validation"),
                 bootstrap=20, stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "primary network, n=6" in text and "macro" in text and "hierarchical eight-class accuracy" in text
    report = json.loads((bundle / "evaluation" / "metrics_validation.json").read_text())
    assert report["primary"]["n_cases"] == 6
    assert (bundle / "evaluation" / "roc_primary_validation.png").stat().st_size > 1000


def test_config_mismatch_fails_before_reading_any_case(tmp_path):
    (tmp_path / "config.json").write_text(tiny_config().to_json())
    common = {"out": str(tmp_path), "phantoms": str(tmp_path / "no-such-folder"), "stdout": StringIO(),
              "stderr": StringIO()}
    with pytest.raises(CommandError, match="config.json differs from --config demo"):
        call_command("train_almss", network="primary", config="demo", **common)
    with pytest.raises(CommandError, match="unknown ALMSS config"):
        call_command("train_almss", network="primary", config="enormous", **common)
    with pytest.raises(CommandError, match="manifest"):  # the bundle's own config is used; then the folder fails
        call_command("train_almss", network="primary", **common)


@pytest.mark.slow
@pytest.mark.django_db
def test_train_and_evaluate_from_the_database(phantom_folders, media_root, tmp_path):
    from reader_study.cases.models import Case, ReferenceMask
    from reader_study.cases.services import import_cases

    root, config_path = phantom_folders
    for cohort in ("train", "validation"):
        import_cases(root / cohort, root / cohort / "manifest.csv")
    skipped = Case.objects.filter(cohort="train").first()
    ReferenceMask.objects.filter(case=skipped, phase="arterial").delete()
    bundle, err = tmp_path / "bundle", StringIO()
    call_command("train_almss", network="primary", out=str(bundle), epochs=1, bootstrap=10, config=str(config_path),
                 stdout=StringIO(), stderr=err)
    assert f"skipping case {skipped.case_id}: no series or reference mask for arterial" in err.getvalue()
    metrics = json.loads((bundle / "metrics.json").read_text())["primary"]
    assert metrics["training"]["n_train"] == 11 and metrics["n_cases"] == 6
    assert (bundle / "LABEL.txt").read_text().strip() == "research model, not for clinical use"
    out = StringIO()
    call_command("evaluate_almss", bundle=str(bundle), cohort="validation", bootstrap=10, stdout=out,
                 stderr=StringIO())
    assert "primary network, n=6" in out.getvalue() and "origin network" not in out.getvalue()


def test_memory_phantoms_match_the_folder_generator_classes():
    from reader_study.phantom.dataset import allocate_classes, case_ids

    samples = list(phantom_memory_samples(3, seed=5, size=32, slices=8))
    assert [s.case_id for s in samples] == case_ids(3, 5)
    for sample, klass in zip(samples, allocate_classes(3, 5)):
        assert (sample.origin or sample.tumour_class) == klass
        assert sample.phase_inputs[PHASES[0]].hu.shape == (8, 32, 32)
        assert sample.phase_inputs[PHASES[0]].tumour_mask.any()
