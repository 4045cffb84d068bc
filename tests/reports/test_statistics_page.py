"""The statistics page and exports, computed from reads made through the protocol, equal the pure functions."""
from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from reader_study.audit.models import AuditEvent
from reader_study.stats.mrmc import mrmc, mrmc_proportion
from reader_study.stats.mrmc_design import design_from_rows
from reader_study.stats.roc import delong_auc
from reader_study.stats.tests_2x2 import correctness_chi2, mcnemar_paired
from reader_study.studies.models import Read

from .conftest import LABELS

pytestmark = pytest.mark.django_db


def raw_reads(cast):
    """(reader, arm, case pk, answers, truth class) straight from the Read table."""
    return [(r.reader.username, r.arm, r.case_id, r.answers, cast.truth[r.case_id][0])
            for r in Read.objects.filter(study=cast.study, locked=True).select_related("reader")]


def expected_accuracy_mrmc(cast):
    reads = raw_reads(cast)
    readers, cases = sorted({r[0] for r in reads}), sorted({r[2] for r in reads})
    arms = ("unaided", "aided")
    correct = {(arm, reader, case): float(ans["diagnosis"] == truth) for reader, arm, case, ans, truth in reads}
    values = [[[correct[(arm, reader, case)] for case in cases] for reader in readers] for arm in arms]
    return mrmc_proportion(values, arms, readers, "accuracy")


def expected_auc_mrmc(cast, label):
    rows = [{"reader": reader, "treatment": arm, "case": case, "truth": int(truth == label),
             "rating": ans["class_confidence"][label]} for reader, arm, case, ans, truth in raw_reads(cast)]
    return mrmc(design_from_rows(rows, ("unaided", "aided")), "auc")


def test_page_numbers_equal_pure_functions(client, read_study):
    client.force_login(read_study.coordinator)
    response = client.get(reverse("reports:study", args=[read_study.study.pk]))
    assert response.status_code == 200
    stats = response.context["stats"]
    accuracy = expected_accuracy_mrmc(read_study)
    page_acc = stats["mrmc"]["accuracy"]
    assert page_acc["rrrc"]["F"] == pytest.approx(accuracy.rrrc.statistic, rel=1e-12)
    assert page_acc["rrrc"]["difference"]["estimate"] == pytest.approx(accuracy.rrrc.difference.estimate)
    assert page_acc["rrrc"]["difference"]["contrast"] == "aided - unaided"
    for label in LABELS:
        auc = expected_auc_mrmc(read_study, label)
        assert stats["mrmc"]["auc"][label]["rrrc"]["p"] == pytest.approx(auc.rrrc.pvalue, rel=1e-12)
        assert list(stats["mrmc"]["auc"][label]["treatment_means"].values()) == pytest.approx(auc.treatment_means)
    reads = raw_reads(read_study)
    chi2 = correctness_chi2([a["diagnosis"] == t for _, arm, _, a, t in reads if arm == "unaided"],
                            [a["diagnosis"] == t for _, arm, _, a, t in reads if arm == "aided"])
    assert stats["chi2"]["pooled"]["statistic"] == pytest.approx(chi2.statistic)
    assert stats["chi2"]["pooled"]["table"] == [list(row) for row in chi2.table]
    by_key = {(r, arm, c): a["diagnosis"] == t for r, arm, c, a, t in reads}
    cases = sorted(read_study.truth)
    mcn = mcnemar_paired([by_key[("junior1", "unaided", c)] for c in cases],
                         [by_key[("junior1", "aided", c)] for c in cases])
    assert stats["mcnemar"]["junior1"]["pvalue"] == pytest.approx(mcn.pvalue)
    hcc = [read_study.ai[c][0]["HCC"] for c in cases]
    truth = [int(read_study.truth[c][0] == "HCC") for c in cases]
    assert stats["ai"]["per_class"][0]["auc_delong"]["auc"] == pytest.approx(delong_auc(truth, hcc).auc)
    assert stats["ai"]["per_class"][0]["cutoff"] == 0.4
    html = response.content.decode()
    assert "aided - unaided" in html and "<svg" in html and "Automation bias" in html
    assert "all true metastases" in html and "Pearson chi-squared" in html


def test_exports_are_complete_consistent_and_audited(client, read_study):
    client.force_login(read_study.coordinator)
    pk = read_study.study.pk
    before = AuditEvent.objects.filter(action="statistics.exported").count()
    reads_csv = client.get(reverse("reports:export", args=[pk, "reads.csv"]))
    assert reads_csv.status_code == 200 and reads_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reads_csv.content.decode())))
    assert len(rows) == 2 * 2 * 12
    assert all(r["ai_final_class"] for r in rows if r["arm"] == "aided")
    assert not any(r["ai_final_class"] or r["ai_probability_HCC"] for r in rows if r["arm"] == "unaided")
    data = json.loads(client.get(reverse("reports:export", args=[pk, "statistics.json"])).content)
    expected = expected_accuracy_mrmc(read_study)
    assert data["mrmc"]["accuracy"]["rrrc"]["p"] == pytest.approx(expected.rrrc.pvalue, rel=1e-12)
    imrmc = client.get(reverse("reports:export", args=[pk, "imrmc"]), {"class": "LM"}).content.decode()
    assert "BEGIN DATA:" in imrmc and "NR: 2" in imrmc and "N1: 4" in imrmc
    assert client.get(reverse("reports:export", args=[pk, "report.pdf"])).content.startswith(b"%PDF")
    html = client.get(reverse("reports:export", args=[pk, "report.html"]), {"ci_method": "clopper-pearson"})
    assert b"Clopper-Pearson" in html.content
    assert client.get(reverse("reports:export", args=[pk, "mrmcaov.csv"])).status_code == 200
    assert AuditEvent.objects.filter(action="statistics.exported").count() == before + 6
    event = AuditEvent.objects.filter(action="statistics.exported").latest("id")
    assert event.study_id == pk and event.after["kind"] == "mrmcaov.csv"
    assert client.get(reverse("reports:export", args=[pk, "nonsense"])).status_code == 400
    assert client.get(reverse("reports:export", args=[pk, "imrmc"]), {"class": "XYZ"}).status_code == 400
    assert client.get(reverse("reports:study", args=[pk]), {"ci_method": "wald"}).status_code == 400
    assert AuditEvent.objects.filter(action="statistics.exported").count() == before + 6


def test_mrmcaov_export_through_the_cli_gives_the_page_numbers(client, read_study, tmp_path):
    from reader_study.studies import services

    client.force_login(read_study.coordinator)
    pk = read_study.study.pk
    read = Read.objects.filter(study=read_study.study, arm="aided").order_by("id").first()
    corrected = {**read.answers, "diagnosis": "ICC", "origin": None, "origin_confidence": None,
                 "class_confidence": {"HCC": 5, "ICC": 95, "LM": 0}}
    services.do_amend_read(read_study.coordinator, read, corrected, "transcription error")
    long_rows = list(csv.DictReader(io.StringIO(
        client.get(reverse("reports:export", args=[pk, "reads.csv"])).content.decode())))
    amended = [r for r in long_rows if r["amended"] == "1"]
    assert len(amended) == 1 and amended[0]["diagnosis"] == "ICC" and amended[0]["class_confidence_ICC"] == "95.0"
    exported = list(csv.DictReader(io.StringIO(
        client.get(reverse("reports:export", args=[pk, "mrmcaov.csv"])).content.decode())))
    path = tmp_path / "icc.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reader", "treatment", "case", "truth", "rating"])
        order = {"unaided": 1, "aided": 2}  # the CLI sorts treatments, so code them 1, 2 for aided - unaided
        writer.writerows([r["reader"], order[r["treatment"]], r["case"], r["truth_ICC"], r["rating_ICC"]]
                         for r in exported)
    out = io.StringIO()
    call_command("mrmc", "--input", str(path), stdout=out)
    cli = json.loads(out.getvalue())
    page = json.loads(client.get(reverse("reports:export", args=[pk, "statistics.json"])).content)
    assert cli["rrrc"]["F"] == pytest.approx(page["mrmc"]["auc"]["ICC"]["rrrc"]["F"], rel=1e-12)
    assert cli["rrrc"]["difference"]["estimate"] == pytest.approx(
        page["mrmc"]["auc"]["ICC"]["rrrc"]["difference"]["estimate"], rel=1e-12)
