"""``manage.py mrmc`` prints the issue's JSON shape with the reference values and refuses bad input by name."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from .reference_data import REFERENCE

REPO = Path(__file__).resolve().parents[2]
VANDYKE = REFERENCE / "vandyke.csv"
SHAPE_KEYS = {"fom", "covariance", "treatments", "readers", "n_cases", "reader_fom", "treatment_means",
              "variance_components", "rrrc", "frrc", "rrfc"}
TEST_KEYS = {"F", "df1", "ddf", "p", "difference"}


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("mrmc", *args, stdout=out)
    return out.getvalue()


def test_json_shape_and_values_on_vandyke(ref):
    data = json.loads(run_command("--input", str(VANDYKE), "--format", "json"))
    exp = ref["vandyke_empirical_auc_jackknife"]
    assert SHAPE_KEYS <= set(data)
    assert (data["fom"], data["covariance"], data["treatments"], data["n_cases"]) == ("auc", "jackknife", ["1", "2"],
                                                                                     114)
    assert data["readers"] == ["1", "2", "3", "4", "5"]
    assert data["reader_fom"]["1"]["5"] == pytest.approx(exp["reader_auc_trt1"][4], rel=1e-12)
    assert data["treatment_means"]["2"] == pytest.approx(exp["trt_mean_auc"][1], rel=1e-12)
    assert {"var", "cov1", "cov2", "cov3", "ms_t", "ms_r", "ms_tr"} <= set(data["variance_components"])
    for analysis in ("rrrc", "frrc", "rrfc"):
        assert TEST_KEYS <= set(data[analysis])
        assert {"contrast", "estimate", "se", "ci95"} <= set(data[analysis]["difference"])
    rrrc = data["rrrc"]
    assert (rrrc["F"], rrrc["ddf"], rrrc["p"]) == (pytest.approx(exp["RRRC"]["F"], rel=1e-9),
                                                   pytest.approx(exp["RRRC"]["ddf_Hillis"], rel=1e-9),
                                                   pytest.approx(exp["RRRC"]["p"], rel=1e-9))
    assert rrrc["difference"]["contrast"] == "2 - 1"
    assert rrrc["difference"]["estimate"] == pytest.approx(-exp["diff_1_minus_2"], rel=1e-12)
    assert rrrc["difference"]["ci95"] == pytest.approx([-x for x in reversed(exp["RRRC"]["ci95_diff"])], rel=1e-9)
    assert data["frrc"]["X2"] == pytest.approx(exp["FRRC"]["X2"], rel=1e-9) and data["frrc"]["ddf"] is None
    assert data["rrfc"]["F"] == pytest.approx(exp["RRFC"]["F"], rel=1e-9)


def test_covariance_and_fom_options(ref, tmp_path):
    data = json.loads(run_command("--input", str(VANDYKE), "--covariance", "delong"))
    assert data["rrrc"]["F"] == pytest.approx(ref["vandyke_empirical_auc_delong"]["RRRC"]["F"], rel=1e-9)
    binary = tmp_path / "binary.csv"
    lines = VANDYKE.read_text().splitlines()
    binary.write_text("\n".join([lines[0]] + [",".join(line.split(",")[:4] + [str(int(int(line.split(",")[4]) >= 3))])
                                              for line in lines[1:]]))
    sens = json.loads(run_command("--input", str(binary), "--fom", "sensitivity"))
    assert sens["rrrc"]["F"] == pytest.approx(
        ref["vandyke_binary_sensitivity_rating_ge_3_jackknife"]["RRRC"]["F"], rel=1e-9)


def test_text_format_names_the_analyses():
    text = run_command("--input", str(VANDYKE), "--format", "text")
    assert "RRRC: F = 4.456319" in text and "FRRC" in text and "RRFC" in text


@pytest.mark.parametrize("content, message", [
    ("reader,treatment,case,truth\n1,1,1,0\n", "missing column(s) rating"),
    ("reader,treatment,case,truth,rating\n1,1,1,0,x\n", "non-numeric rating 'x'"),
])
def test_bad_input_is_a_command_error(tmp_path, content, message):
    path = tmp_path / "reads.csv"
    path.write_text(content)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_command("--input", str(path))


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run_command("--input", str(tmp_path / "nope.csv"))


def _subprocess(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, str(REPO / "manage.py"), "mrmc", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)


def test_subprocess_prints_json_and_fails_on_missing_reads(tmp_path, ref):
    done = _subprocess("--input", str(VANDYKE))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rrrc"]["p"] == pytest.approx(ref["vandyke_empirical_auc_jackknife"]["RRRC"]["p"],
                                                                 rel=1e-9)
    broken = tmp_path / "missing.csv"
    broken.write_text("\n".join(VANDYKE.read_text().splitlines()[:-1]) + "\n")
    failed = _subprocess("--input", str(broken))
    assert failed.returncode != 0
    assert "missing read" in failed.stderr and "case 114" in failed.stderr


def test_degenerate_data_prints_strict_json_with_nulls(tmp_path):
    """Sensitivity 1 for every reader: zero variance, so F is undefined and printed as null, not NaN."""
    lines = ["reader,treatment,case,truth,rating"]
    lines += [f"{r},{t},{c},{int(c > 2)},{int(c > 2 or (r == 1 and c == t))}" for r in (1, 2) for t in (1, 2)
              for c in range(1, 6)]
    path = tmp_path / "perfect.csv"
    path.write_text("\n".join(lines) + "\n")

    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")

    data = json.loads(run_command("--input", str(path), "--fom", "sensitivity"), parse_constant=refuse)
    assert data["treatment_means"] == {"1": 1.0, "2": 1.0}
    assert data["rrrc"]["F"] is None and data["rrrc"]["p"] is None
