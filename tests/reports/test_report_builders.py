"""Report builders on a synthetic study (no database): options reach the numbers and the methods text."""
from __future__ import annotations

import csv
import io
import json

import pytest

from reader_study.reports import exports, plots
from reader_study.reports.analysis import ReportOptions, build_statistics
from reader_study.reports.pdf import report_pdf
from reader_study.reports.synthetic import synthetic_study
from reader_study.reports.tables import all_tables


@pytest.fixture(scope="module")
def study():
    return synthetic_study(n_readers=3, n_cases=45, seed=4)


@pytest.fixture(scope="module")
def default_stats(study):
    return build_statistics(study, ReportOptions(n_bootstrap=100))


def test_options_change_numbers_and_are_stated(study, default_stats):
    other = build_statistics(study, ReportOptions(n_bootstrap=100, ci_method="clopper-pearson",
                                                  chi2_correction="yates", mrmc_covariance="delong",
                                                  origin_denominator="called_metastasis"))
    assert other["chi2"]["pooled"]["statistic"] < default_stats["chi2"]["pooled"]["statistic"]
    assert other["mrmc"]["auc"]["HCC"]["covariance"] == "delong"
    assert other["mrmc"]["auc"]["HCC"]["rrrc"]["F"] != default_stats["mrmc"]["auc"]["HCC"]["rrrc"]["F"]
    assert other["origin_performance"]["denominator"] == "called_metastasis"
    for text in ("Clopper-Pearson", "Yates", "DeLong covariance", "called a metastasis", "Hillis"):
        assert text in other["methods"], text
    for text in ("Wilson", "Pearson chi-squared", "jackknife covariance", "all true metastases"):
        assert text in default_stats["methods"], text


def test_statistics_are_strict_json_and_complete(default_stats):
    text = exports.statistics_json(default_stats)
    assert json.loads(text)["counts"]["reads"] == {"unaided": 135, "aided": 135}
    assert all("error" not in default_stats["mrmc"][fom][label] for fom in ("auc", "sensitivity", "specificity")
               for label in ("HCC", "ICC", "LM"))
    assert default_stats["mrmc"]["accuracy"]["rrrc"]["difference"]["contrast"] == "aided - unaided"
    assert set(default_stats["agreement"]["fleiss"]) == {"unaided", "aided"}
    assert [t["title"] for t in all_tables(default_stats)][:2] == ["Diagnosis (HCC / ICC / LM)",
                                                                   "Origin of metastases (six systems)"]


def test_exports_shapes(study):
    rows = list(csv.DictReader(io.StringIO(exports.long_csv(study))))
    assert len(rows) == 3 * 45 * 2 and {"class_confidence_LM", "active_seconds", "ai_probability_ICC"} <= set(rows[0])
    imrmc = exports.imrmc_input(study, "ICC").splitlines()
    start = imrmc.index("BEGIN DATA:") + 1
    truth_rows = [line for line in imrmc[start:] if line.startswith("-1,")]
    assert len(truth_rows) == 45 and len(imrmc[start:]) == 45 + 3 * 45 * 2
    with pytest.raises(ValueError, match="unknown class"):
        exports.imrmc_input(study, "XYZ")
    mrmcaov = list(csv.DictReader(io.StringIO(exports.mrmcaov_csv(study))))
    assert sum(int(r["truth_LM"]) for r in mrmcaov) == 15 * 3 * 2


def test_figures_and_pdf(study, default_stats):
    svg = plots.to_svg(plots.roc_figure(study, "LM"))
    assert svg.startswith("<svg") and "reader1 aided" in svg
    fig = plots.sankey_figure(default_stats["automation_bias"]["transitions"], list(study.labels))
    assert report_pdf(default_stats, [fig]).startswith(b"%PDF")
    assert plots.operating_point(study, "reader1", "unaided", "HCC") is not None
