"""Shape the statistics dict into generic tables ({title, note, header, rows}) for the page and the HTML report."""
from __future__ import annotations

from reader_study.reports.summary import fmt_ci, fmt_num


def _table(title: str, header: list[str], rows: list[list], note: str = "") -> dict:
    return {"title": title, "header": header, "rows": rows, "note": note}


def _error(title: str, section) -> dict | None:
    if isinstance(section, dict) and "error" in section:
        return _table(title, [], [], "Not available: " + section["error"])
    return None


def performance_table(title: str, rows, labels_note: str = "") -> dict:
    if (err := _error(title, rows)) is not None:
        return err
    body = []
    for row in rows:
        perf = row["performance"]
        per_class = "; ".join(f"{c['label']}: sens {fmt_ci(c['sensitivity'])}, spec {fmt_ci(c['specificity'])}"
                              for c in perf["per_class"])
        body.append([row["level"], row["key"], row["arm"], fmt_ci(perf["accuracy"]), per_class])
    return _table(title, ["level", "group", "arm", "accuracy (95% CI) [n]", "one-vs-rest"], body, labels_note)


def tests_table(stats: dict) -> dict:
    rows = []
    chi2, mcnemar = stats["chi2"], stats["mcnemar"]
    if "error" not in chi2:
        pooled = chi2["pooled"]
        rows.append(["pooled", pooled["method"], str(pooled["table"]), fmt_num(pooled["statistic"]),
                     fmt_num(pooled["pvalue"])])
        rows += [[reader, r["method"], str(r["table"]), fmt_num(r["statistic"]), fmt_num(r["pvalue"])]
                 for reader, r in chi2["per_reader"].items()]
    if "error" not in mcnemar:
        rows += [[reader, r["method"], f"b={r['b']}, c={r['c']}", fmt_num(r["statistic"]), fmt_num(r["pvalue"])]
                 for reader, r in mcnemar.items()]
    return _table("Aided vs unaided correctness", ["reader", "test", "table", "statistic", "p"], rows,
                  "Chi-squared rows are [[correct, incorrect] unaided, [correct, incorrect] aided].")


def _mrmc_row(name: str, section: dict) -> list:
    if "error" in section:
        return [name, "not available: " + section["error"], "", "", "", "", ""]
    rrrc = section["rrrc"]
    d = rrrc["difference"]
    means = ", ".join(f"{k} {v:.4f}" for k, v in section["treatment_means"].items())
    ci = f"{fmt_num(d['ci95'][0], '.4f')} to {fmt_num(d['ci95'][1], '.4f')}"
    frrc = section["frrc"]
    return [name, means, f"{d['estimate']:.4f} ({ci})", fmt_num(rrrc["F"]), fmt_num(rrrc["ddf"]), fmt_num(rrrc["p"]),
            f"p = {fmt_num(frrc['p'])}"]


def mrmc_table(stats: dict) -> dict:
    mrmc = stats["mrmc"]
    rows = [_mrmc_row("accuracy (3 classes)", mrmc["accuracy"])]
    for fom in ("auc", "sensitivity", "specificity"):
        rows += [_mrmc_row(f"{fom} {label}", section) for label, section in mrmc[fom].items()]
    return _table("MRMC (Obuchowski-Rockette, random readers and cases)",
                  ["figure of merit", "arm means", "aided - unaided (95% CI)", "F", "ddf (Hillis)", "p",
                   "fixed readers"], rows)


def _range(ci) -> str:
    return f"{fmt_num(ci[0], '.3f')}-{fmt_num(ci[1], '.3f')}"


def ai_table(stats: dict) -> dict:
    ai = stats["ai"]
    if (err := _error("AI standalone", ai)) is not None:
        return err
    rows = [[c["label"], f"{c['auc_delong']['auc']:.3f}", _range(c["auc_delong"]["ci"]),
             _range(c["auc_bootstrap"]["ci"]), fmt_ci(c["sensitivity"]),
             fmt_ci(c["specificity"]), fmt_num(c["f1"], ".3f"), fmt_num(c["cutoff"], ".3f")] for c in ai["per_class"]]
    rows.append(["macro", f"{ai['macro_auc']:.3f}", "", f"{ai['macro_auc_ci'][0]:.3f}-{ai['macro_auc_ci'][1]:.3f}",
                 f"accuracy {fmt_ci(ai['accuracy'])}", f"Brier {ai['brier']:.4f}", fmt_num(ai["macro_f1"], ".3f"), ""])
    return _table("AI standalone", ["class", "AUC", "DeLong 95% CI", "bootstrap 95% CI", "sensitivity",
                                    "specificity", "F1", "cut-off"], rows, ai["bootstrap"] + "; " + ai["brier_scale"])


def ai_vs_readers_table(stats: dict) -> dict:
    section = stats["ai_vs_readers"]
    if (err := _error("AI vs readers (unaided)", section)) is not None:
        return err
    rows = []
    for row in section:
        if row["delong"]:
            d = row["delong"]
            rows.append([row["reader"], row["label"], row["method"], f"{d['difference']:.4f}", fmt_num(d["pvalue"])])
        else:
            rows.append([row["reader"], row["label"], row["method"], "", fmt_num(row["mcnemar"]["pvalue"])])
    return _table("AI vs readers (unaided)", ["reader", "class", "test", "AI - reader AUC", "p"], rows)


def agreement_table(stats: dict) -> dict:
    section = stats["agreement"]
    rows = []
    if "error" not in section["cohen"]:
        rows += [[r["arm"], f"{r['rater_a']} vs {r['rater_b']}", "Cohen", _kappa(r["kappa"])] for r in section["cohen"]]
    if "error" not in section["fleiss"]:
        rows += [[arm, "all readers", "Fleiss", _kappa(k)] for arm, k in section["fleiss"].items()]
    return _table("Agreement on the diagnosis", ["arm", "raters", "kappa", "estimate (95% CI)"], rows)


def _kappa(k: dict) -> str:
    lo, hi = fmt_num(k["ci"][0], ".3f"), fmt_num(k["ci"][1], ".3f")
    return f"{fmt_num(k['kappa'], '.3f')} ({lo} to {hi}), n = {k['n_subjects']}"


def automation_table(stats: dict) -> dict:
    ab = stats["automation_bias"]
    if (err := _error("Automation bias", ab)) is not None:
        return err
    rows = [["AI wrong: correct unaided answer changed to the AI's wrong answer", fmt_ci(ab["correct_to_ai_wrong"])],
            ["AI right: wrong unaided answer changed to the right answer", fmt_ci(ab["wrong_to_ai_right"])],
            ["AI wrong: any change", fmt_ci(ab["any_change_ai_wrong"])],
            ["AI right: any change", fmt_ci(ab["any_change_ai_right"])]]
    return _table("Automation bias", ["measure", "rate (95% CI) [count/denominator]"], rows,
                  f"{ab['n_pairs']} reader x case pairs; AI wrong on {ab['n_ai_wrong']}, right on {ab['n_ai_right']}.")


def all_tables(stats: dict) -> list[dict]:
    origin = stats["origin_performance"]
    return [
        performance_table("Diagnosis (HCC / ICC / LM)", stats["diagnosis_performance"]),
        performance_table("Origin of metastases (six systems)", origin.get("rows", origin),
                          f"Denominator: {origin.get('denominator', '')}."),
        tests_table(stats), mrmc_table(stats), ai_table(stats), ai_vs_readers_table(stats), agreement_table(stats),
        automation_table(stats),
    ]
