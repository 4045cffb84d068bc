"""Server-side plots (matplotlib, no pyplot state): AI ROC with reader operating points, confusion matrices, Sankey.

Each ``*_figure`` returns a :class:`matplotlib.figure.Figure`; :func:`to_svg` renders one for the page and the HTML
report, and the PDF report saves the same figures.
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from sklearn.metrics import roc_curve

from reader_study.reports.records import StudyData

ARM_STYLE = {"unaided": {"marker": "o", "facecolors": "white"}, "aided": {"marker": "^", "facecolors": None}}
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def to_svg(fig: Figure) -> str:
    """Return the figure as an inline SVG string."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()[buffer.getvalue().find("<svg"):]


def operating_point(data: StudyData, reader: str, arm: str, label: str) -> tuple[float, float] | None:
    """Return (1 - specificity, sensitivity) of a reader's calls of ``label`` in ``arm``."""
    reads = [r for r in data.reads if r.reader == reader and r.arm == arm]
    positives = [r for r in reads if r.truth_class == label]
    negatives = [r for r in reads if r.truth_class != label]
    if not positives or not negatives:
        return None
    sens = sum(r.diagnosis == label for r in positives) / len(positives)
    fpr = sum(r.diagnosis == label for r in negatives) / len(negatives)
    return fpr, sens


def roc_figure(data: StudyData, label: str) -> Figure:
    """AI one-vs-rest ROC for ``label`` with each reader's unaided (open) and aided (filled) operating point."""
    fig = Figure(figsize=(4.2, 4.2))
    ax = fig.add_subplot()
    truth = np.array([a.truth_class == label for a in data.ai])
    if data.ai and truth.any() and not truth.all():
        fpr, tpr, _ = roc_curve(truth, [a.probabilities.get(label, 0.0) for a in data.ai])
        ax.plot(fpr, tpr, color="black", lw=1.5, label="AI")
    for j, reader in enumerate(data.readers()):
        colour = COLOURS[j % len(COLOURS)]
        points = {arm: operating_point(data, reader, arm, label) for arm in data.arms}
        if all(points.values()):
            xs, ys = zip(*(points[arm] for arm in data.arms))
            ax.plot(xs, ys, color=colour, lw=0.8, alpha=0.7)
        for arm, point in points.items():
            if point:
                face = ARM_STYLE[arm]["facecolors"] or colour
                ax.scatter(*point, marker=ARM_STYLE[arm]["marker"], s=40, edgecolors=colour, facecolors=face,
                           label=f"{reader} {arm}", zorder=3)
    ax.plot([0, 1], [0, 1], ls=":", color="grey", lw=0.8)
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="1 - specificity", ylabel="sensitivity", title=f"{label} vs rest")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6, loc="lower right")
    return fig


def confusion_figure(matrices: dict[str, dict], title: str) -> Figure:
    """Side-by-side confusion matrices, e.g. {"unaided": cm_dict, "aided": cm_dict} (rows truth, columns call)."""
    fig = Figure(figsize=(4.0 * max(len(matrices), 1), 3.6))
    for i, (name, cm) in enumerate(matrices.items(), start=1):
        ax = fig.add_subplot(1, len(matrices), i)
        counts = np.asarray(cm["counts"])
        ax.imshow(counts, cmap="Blues")
        for (row, col), value in np.ndenumerate(counts):
            ax.text(col, row, str(value), ha="center", va="center",
                    color="white" if value > counts.max() / 2 else "black", fontsize=8)
        ax.set_xticks(range(len(cm["call_labels"])), cm["call_labels"], rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(cm["labels"])), cm["labels"], fontsize=7)
        ax.set(xlabel="call", ylabel="truth", title=f"{title}: {name}")
    fig.tight_layout()
    return fig


def _node_spans(totals: dict[str, int], order: list[str], gap: float) -> dict[str, list[float]]:
    scale = (1 - gap * (len(order) - 1)) / max(sum(totals.values()), 1)
    spans, y = {}, 1.0
    for name in order:
        height = totals.get(name, 0) * scale
        spans[name] = [y - height, y]
        y -= height + gap
    return spans


def _band(ax, left: tuple[float, float], right: tuple[float, float], colour: str) -> None:
    """A flow band from x=0.1 to x=0.9 with cubic edges."""
    (l0, l1), (r0, r1) = left, right
    verts = [(0.1, l1), (0.5, l1), (0.5, r1), (0.9, r1), (0.9, r0), (0.5, r0), (0.5, l0), (0.1, l0), (0.1, l1)]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4, Path.CURVE4, Path.CURVE4,
             Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(verts, codes), facecolor=colour, alpha=0.45, lw=0))


def sankey_figure(transitions: list, labels: list[str]) -> Figure:
    """Sankey of answers unaided (left) -> aided (right) from (unaided, aided, count) triples."""
    fig = Figure(figsize=(5.0, 3.6))
    ax = fig.add_subplot()
    order = list(labels) + sorted({x for t in transitions for x in t[:2]} - set(labels))
    left = _node_spans({u: sum(c for a, _, c in transitions if a == u) for u in order}, order, 0.03)
    right = _node_spans({v: sum(c for _, b, c in transitions if b == v) for v in order}, order, 0.03)
    scale = (left[order[0]][1] - left[order[0]][0]) / max(sum(c for a, _, c in transitions if a == order[0]), 1)
    cursor_l = {k: v[1] for k, v in left.items()}
    cursor_r = {k: v[1] for k, v in right.items()}
    for u, v, count in sorted(transitions, key=lambda t: (order.index(t[0]), order.index(t[1]))):
        h = count * scale if scale else 0
        _band(ax, (cursor_l[u] - h, cursor_l[u]), (cursor_r[v] - h, cursor_r[v]), COLOURS[order.index(u) % 8])
        cursor_l[u] -= h
        cursor_r[v] -= h
    for x, spans, side in ((0.1, left, "right"), (0.9, right, "left")):
        for name, (y0, y1) in spans.items():
            if y1 > y0:
                ax.add_patch(PathPatch(Path([(x - 0.02, y0), (x + 0.02, y0), (x + 0.02, y1), (x - 0.02, y1),
                                             (x - 0.02, y0)]), facecolor="#444", lw=0))
                ax.text(x - 0.04 if side == "right" else x + 0.04, (y0 + y1) / 2, name, fontsize=8, va="center",
                        ha=side)
    ax.set(xlim=(-0.1, 1.1), ylim=(-0.05, 1.05), title="Answers unaided -> aided")
    ax.axis("off")
    return fig
