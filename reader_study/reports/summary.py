"""Plain-text summary of the statistics dict (the PDF report's text pages)."""
from __future__ import annotations

import textwrap


def fmt_ci(p: dict | None) -> str:
    if not p or p.get("estimate") is None:
        return "n/a"
    return f"{p['estimate']:.3f} ({p['lower']:.3f}-{p['upper']:.3f}) [{p['count']}/{p['n']}]"


def fmt_num(value, fmt: str = ".4g") -> str:
    return "n/a" if value is None else format(value, fmt)


def performance_lines(rows, title: str) -> list[str]:
    if isinstance(rows, dict) and "error" in rows:
        return [title, "  not available: " + rows["error"]]
    lines = [title]
    for row in rows:
        perf = row["performance"]
        lines.append(f"  {row['level']:<12} {row['key']:<14} {row['arm']:<8} accuracy {fmt_ci(perf['accuracy'])}")
        for cls in perf["per_class"]:
            sens, spec = fmt_ci(cls["sensitivity"]), fmt_ci(cls["specificity"])
            lines.append(f"      {cls['label']:<16} sens {sens}  spec {spec}")
    return lines


def mrmc_lines(section: dict, name: str) -> list[str]:
    if "error" in section:
        return [f"  {name}: not available: {section['error']}"]
    rrrc, d = section["rrrc"], section["rrrc"]["difference"]
    means = ", ".join(f"{k} {v:.4f}" for k, v in section["treatment_means"].items())
    lo, hi = fmt_num(d["ci95"][0], ".4f"), fmt_num(d["ci95"][1], ".4f")
    return [f"  {name}: {means}; RRRC {d['contrast']} = {d['estimate']:.4f} (95% CI {lo} to {hi}), "
            f"F = {fmt_num(rrrc['F'])}, ddf = {fmt_num(rrrc['ddf'])}, p = {fmt_num(rrrc['p'])}"]


def _ai_lines(stats: dict) -> list[str]:
    ai = stats["ai"]
    if "error" in ai:
        return ["AI standalone: not available: " + ai["error"]]
    lines = [f"AI standalone ({ai['n_cases']} cases): macro AUC {ai['macro_auc']:.3f} (bootstrap "
             f"{ai['macro_auc_ci'][0]:.3f}-{ai['macro_auc_ci'][1]:.3f}), accuracy {fmt_ci(ai['accuracy'])}, "
             f"macro F1 {fmt_num(ai['macro_f1'], '.3f')}, Brier {ai['brier']:.4f}"]
    for c in ai["per_class"]:
        dl, bs = c["auc_delong"], c["auc_bootstrap"]
        lines.append(f"  {c['label']}: AUC {dl['auc']:.3f} DeLong {dl['ci'][0]:.3f}-{dl['ci'][1]:.3f}, bootstrap "
                     f"{bs['ci'][0]:.3f}-{bs['ci'][1]:.3f}; sens {fmt_ci(c['sensitivity'])} "
                     f"spec {fmt_ci(c['specificity'])}")
    return lines


def _tests_lines(stats: dict) -> list[str]:
    lines = []
    chi2 = stats["chi2"]
    if "error" not in chi2:
        p = chi2["pooled"]
        lines.append(f"Chi-squared, pooled ({p['method']}): table {p['table']}, X2 = {fmt_num(p['statistic'])}, "
                     f"p = {fmt_num(p['pvalue'])}")
        for reader, r in chi2["per_reader"].items():
            lines.append(f"  {reader}: X2 = {fmt_num(r['statistic'])}, p = {fmt_num(r['pvalue'])}")
    if "error" not in stats["mcnemar"]:
        for reader, r in stats["mcnemar"].items():
            lines.append(f"McNemar {reader} ({r['method']}): b = {r['b']}, c = {r['c']}, p = {fmt_num(r['pvalue'])}")
    return lines


def summary_lines(stats: dict) -> list[str]:
    """Return the report as text lines (wrapped at 110 characters)."""
    c = stats["counts"]
    lines = [f"Study {stats['study']['name']} (id {stats['study']['id']}); model {stats['study']['model'] or 'none'}",
             f"{c['readers']} readers, {c['cases']} cases, reads {c['reads']}, AI results {c['ai_results']}", ""]
    lines += performance_lines(stats["diagnosis_performance"], "Diagnosis (HCC / ICC / LM)") + [""]
    origin = stats["origin_performance"]
    lines += performance_lines(origin.get("rows", origin), f"Origin (denominator: {origin.get('denominator')})")
    lines += [""] + _tests_lines(stats) + ["", "MRMC (Obuchowski-Rockette, aided - unaided):"]
    lines += mrmc_lines(stats["mrmc"]["accuracy"], "accuracy")
    for fom in ("auc", "sensitivity", "specificity"):
        for label, section in stats["mrmc"][fom].items():
            lines += mrmc_lines(section, f"{fom} {label}")
    lines += [""] + _ai_lines(stats) + ["", "Methods:"] + textwrap.wrap(stats["methods"], 110)
    return [piece for line in lines for piece in (textwrap.wrap(line, 110, subsequent_indent="      ") or [""])]
