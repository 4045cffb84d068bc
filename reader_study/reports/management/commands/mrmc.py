"""``manage.py mrmc``: Obuchowski-Rockette MRMC analysis of a long CSV of reads (for statisticians).

The CSV has columns ``reader,treatment,case,truth,rating`` (truth 1 = diseased). Treatments are ordered as they sort
(numerically when all are numbers); the reported difference is last minus first.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reader_study.reports.analysis import jsonable
from reader_study.stats.errors import MRMCDesignError
from reader_study.stats.mrmc import MRMCResult, mrmc
from reader_study.stats.mrmc_covariance import COVARIANCES, FOMS
from reader_study.stats.mrmc_design import COLUMNS, design_from_rows


class Command(BaseCommand):
    requires_system_checks: list = []  # a pure analysis of a file: no database, no URLs
    help = "Run an Obuchowski-Rockette MRMC analysis (RRRC with Hillis ddf, FRRC, RRFC) on a CSV of reads."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="CSV with columns reader,treatment,case,truth,rating")
        parser.add_argument("--fom", choices=FOMS, default="auc",
                            help="auc: rating is a confidence; binary FOMs: rating is the call, 1 = positive")
        parser.add_argument("--covariance", choices=COVARIANCES, default="jackknife")
        parser.add_argument("--format", choices=("json", "text"), default="json")

    def handle(self, *args, **options):
        result = analyse_csv(Path(options["input"]), options["fom"], options["covariance"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(jsonable(result.to_dict()), indent=1, allow_nan=False))
        else:
            self.stdout.write(format_text(result))


def analyse_csv(path: Path, fom: str, covariance: str) -> MRMCResult:
    """Read ``path`` and run the analysis; every input problem becomes a CommandError that names it."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise CommandError(f"{path}: missing column(s) {', '.join(missing)}; need {','.join(COLUMNS)}")
            rows = [{k.strip(): v for k, v in row.items() if k} for row in reader]
        design = design_from_rows(rows)
        return mrmc(design, fom, covariance)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except MRMCDesignError as exc:
        raise CommandError(f"{path}: {exc}") from exc


def format_text(result: MRMCResult) -> str:
    """Return a plain-text report of the analysis."""
    lines = [f"Obuchowski-Rockette MRMC: FOM {result.fom}, covariance {result.covariance}, "
             f"{len(result.readers)} readers x {len(result.treatments)} treatments x {result.n_cases} cases "
             f"({result.n_cases_in_fom} in the FOM)", "", "Reader FOMs:"]
    lines.append("reader".ljust(12) + "".join(t.rjust(14) for t in result.treatments))
    for j, reader in enumerate(result.readers):
        lines.append(reader.ljust(12) + "".join(f"{row[j]:14.8f}" for row in result.reader_fom))
    lines.append("mean".ljust(12) + "".join(f"{m:14.8f}" for m in result.treatment_means))
    vc = result.variance_components
    lines += ["", "Variance components: " + ", ".join(f"{k}={v:.8g}" for k, v in vc.as_dict().items()), ""]
    for test in (result.rrrc, result.frrc, result.rrfc):
        d = test.difference
        ddf = "inf" if test.ddf == float("inf") else f"{test.ddf:.6f}"
        lines.append(f"{test.analysis}: {test.statistic_name} = {test.statistic:.6f}, df1 = {test.df1}, ddf = {ddf}, "
                     f"p = {test.pvalue:.6g}; {d.label}: {d.estimate:.8f} (SE {d.se:.8f}), "
                     f"95% CI ({d.ci[0]:.8f}, {d.ci[1]:.8f})")
    lines += ["", "Single-treatment CIs (RRRC):"]
    for ci in result.single_treatment_rrrc:
        lines.append(f"  {ci.treatment}: {ci.estimate:.8f} SE {ci.se:.8f} df {ci.df:.4f} "
                     f"95% CI ({ci.ci[0]:.8f}, {ci.ci[1]:.8f})")
    lines += ["", "Per-reader differences (FRRC):"]
    for rc in result.frrc_per_reader:
        c = rc.contrast
        lines.append(f"  reader {rc.reader}: {c.label} = {c.estimate:.8f} SE {c.se:.8f} p {c.pvalue:.6g}")
    return "\n".join(lines) + "\n"
