"""The PDF report (reportlab): the text summary in a monospaced block, then each figure as a PNG image."""
from __future__ import annotations

import io

from matplotlib.figure import Figure
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, PageBreak, Paragraph, Preformatted, SimpleDocTemplate, Spacer

from reader_study.reports.summary import summary_lines

FIGURE_WIDTH = 15 * cm


def _figure_image(fig: Figure) -> Image:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    buffer.seek(0)
    width, height = fig.get_size_inches()
    scale = min(FIGURE_WIDTH / (width * 72), 1.6)
    return Image(buffer, width=width * 72 * scale, height=height * 72 * scale)


def report_pdf(statistics: dict, figures: list[Figure]) -> bytes:
    """Return the PDF bytes of the report."""
    buffer = io.BytesIO()
    title = f"Reader study statistics: {statistics['study']['name']}"
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                            topMargin=1.5 * cm, bottomMargin=1.5 * cm)
    styles = getSampleStyleSheet()
    mono = ParagraphStyle("mono", fontName="Courier", fontSize=6.4, leading=7.6)
    story = [Paragraph(title, styles["Title"]),
             Paragraph("Synthetic data, not for clinical use.", styles["Normal"]), Spacer(1, 0.3 * cm),
             Preformatted("\n".join(summary_lines(statistics)), mono)]
    if figures:
        story.append(PageBreak())
        for fig in figures:
            story += [_figure_image(fig), Spacer(1, 0.4 * cm)]
    doc.build(story)
    return buffer.getvalue()
