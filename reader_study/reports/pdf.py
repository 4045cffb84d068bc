"""The PDF report: text pages from :func:`summary_lines`, then the figures (matplotlib ``PdfPages``)."""
from __future__ import annotations

import io

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from reader_study.reports.summary import summary_lines

LINES_PER_PAGE = 80


def _text_page(lines: list[str], title: str) -> Figure:
    fig = Figure(figsize=(8.27, 11.69))
    fig.text(0.05, 0.97, title, fontsize=11, weight="bold", va="top")
    fig.text(0.05, 0.94, "\n".join(lines), family="monospace", fontsize=6.3, va="top")
    return fig


def report_pdf(statistics: dict, figures: list[Figure]) -> bytes:
    """Return the PDF bytes of the report."""
    buffer = io.BytesIO()
    lines = summary_lines(statistics)
    title = f"Reader study statistics: {statistics['study']['name']} (synthetic data, not for clinical use)"
    with PdfPages(buffer, metadata={"Title": title}) as pdf:
        for start in range(0, len(lines), LINES_PER_PAGE):
            pdf.savefig(_text_page(lines[start:start + LINES_PER_PAGE], title))
        for fig in figures:
            pdf.savefig(fig)
    return buffer.getvalue()
