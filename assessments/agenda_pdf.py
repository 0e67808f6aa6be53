"""A session agenda as a clean A4 PDF, built with fpdf2 and its core Helvetica font.

`agenda_document` reads the rows once into plain data; `render_agenda_pdf` only lays that data
out, so the same document always gives the same pages. Core fonts cover Latin-1 only, so every
text is folded into it first (curly quotes, dashes and the like become their plain forms).
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from assessments.models import AgendaItem, Assignment, SessionAgenda

FONT = "Helvetica"
ACCENT = (14, 107, 120)  # --color-accent
TEXT = (26, 31, 36)  # --grey-900
MUTED = (86, 97, 107)  # --grey-600
RULE = (197, 206, 212)  # --grey-300
MARGIN = 18.0
INDENT = 10.0
BULLET = "\u00b7"  # the middle dot is in Latin-1; the round bullet is not
FOOTER = "Confidential: prepared by the couple's counsellor, not for sharing."

_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\u2023": "-",
        "\u2043": "-",
        "\u2264": "<=",
        "\u2265": ">=",
        "\u2260": "!=",
        "\u2192": "->",
        "\u2190": "<-",
        "\u2191": "up",
        "\u2193": "down",
        "\u20ac": "EUR",
        "\u2122": "(TM)",
        "\u2002": " ",
        "\u2003": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        "\t": "    ",
        # Letters that do not decompose into a base letter and an accent.
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0126": "H",
        "\u0127": "h",
        "\u0131": "i",
        "\u0152": "OE",
        "\u0153": "oe",
    }
)


def _printable(char: str) -> bool:
    code = ord(char)
    return 32 <= code < 127 or 160 <= code < 256


def latin1(text: str) -> str:
    """`text` in characters the core fonts can draw: known typographic characters become their
    plain forms, accented letters outside Latin-1 lose their accents, anything else becomes
    "?", and control characters other than newlines are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_PLAIN)
    out = []
    for char in text:
        if char == "\n" or _printable(char):
            out.append(char)
        elif unicodedata.category(char).startswith("C"):
            continue
        else:
            folded = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            out.append(folded if folded and all(_printable(c) for c in folded) else "?")
    return "".join(out)


@dataclass(frozen=True)
class PdfItem:
    number: int
    title: str
    rationale: str
    why: str
    steps: tuple[str, ...]
    note: str
    own: bool


@dataclass(frozen=True)
class AgendaDocument:
    title: str
    couple: str
    instrument: str
    date: datetime.date
    counsellor: str
    notes: str
    items: tuple[PdfItem, ...]


def agenda_document(
    *,
    assignment: Assignment,
    agenda: SessionAgenda | None,
    items: Sequence[AgendaItem],
    date: datetime.date,
    counsellor: str,
) -> AgendaDocument:
    """What the PDF shows, read from an assignment and its agenda (none yet: an empty agenda)."""
    return AgendaDocument(
        title=agenda.title if agenda is not None else "Session agenda",
        couple=assignment.couple.name,
        instrument=assignment.instrument_version.title,
        date=date,
        counsellor=counsellor,
        notes=agenda.notes if agenda is not None else "",
        items=tuple(
            PdfItem(
                number=number,
                title=item.title,
                rationale=item.rationale,
                why=item.why,
                steps=tuple(str(step) for step in item.steps or ()),
                note=item.counsellor_note,
                own=item.is_own,
            )
            for number, item in enumerate(items, start=1)
        ),
    )


class _AgendaPdf(FPDF):
    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, FOOTER, new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def _label(pdf: FPDF, text: str) -> None:
    pdf.set_x(MARGIN + INDENT)
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, latin1(text.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _body(pdf: FPDF, text: str, *, style: str = "") -> None:
    pdf.set_x(MARGIN + INDENT)
    pdf.set_font(FONT, style, 10.5)
    pdf.set_text_color(*TEXT)
    pdf.multi_cell(0, 5.2, latin1(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _bullets(pdf: FPDF, steps: Sequence[str]) -> None:
    for step in steps:
        pdf.set_x(MARGIN + INDENT)
        pdf.set_font(FONT, "B", 14)
        pdf.set_text_color(*ACCENT)
        pdf.cell(5, 5.2, BULLET)
        pdf.set_font(FONT, "", 10.5)
        pdf.set_text_color(*TEXT)
        pdf.multi_cell(0, 5.2, latin1(step), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _rule(pdf: FPDF, colour: tuple[int, int, int], width: float) -> None:
    pdf.set_draw_color(*colour)
    pdf.set_line_width(width)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())


def _item(pdf: FPDF, item: PdfItem) -> None:
    # Keep a title with the first lines of its text rather than alone at the foot of a page.
    if pdf.get_y() > pdf.page_break_trigger - 35:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 13)
    pdf.set_text_color(*ACCENT)
    pdf.cell(INDENT, 6.5, f"{item.number}.")
    pdf.set_text_color(*TEXT)
    pdf.multi_cell(0, 6.5, latin1(item.title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), top + 6.5) + 1)
    if item.own:
        _label(pdf, "Your own item")
        pdf.ln(0.5)
    if item.rationale:
        _label(pdf, "Why it was suggested")
        _body(pdf, item.rationale)
    if item.why:
        _label(pdf, "Why it matters")
        _body(pdf, item.why)
    if item.steps:
        _label(pdf, "In session")
        _bullets(pdf, item.steps)
    if item.note:
        _label(pdf, "Counsellor's note")
        _body(pdf, item.note, style="I")
    pdf.ln(2)
    _rule(pdf, RULE, 0.2)
    pdf.ln(5)


def render_agenda_pdf(document: AgendaDocument) -> bytes:
    pdf = _AgendaPdf(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(latin1(f"{document.title}: {document.couple}"))
    pdf.set_author(latin1(document.counsellor or "Fulcrum"))
    pdf.set_creator("Fulcrum")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()

    pdf.set_font(FONT, "B", 20)
    pdf.set_text_color(*TEXT)
    pdf.multi_cell(0, 9, latin1(document.title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 6, latin1(document.couple), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*MUTED)
    byline = f" \u00b7 {document.counsellor}" if document.counsellor else ""
    meta = f"{document.date.strftime('%d %B %Y').lstrip('0')}{byline} \u00b7 {document.instrument}"
    pdf.multi_cell(0, 5.5, latin1(meta), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    _rule(pdf, ACCENT, 0.6)
    pdf.ln(7)

    if not document.items:
        pdf.set_font(FONT, "I", 11)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(
            0,
            6,
            "No topics yet: pick suggested topics from the report.",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(4)
    for item in document.items:
        _item(pdf, item)

    if document.notes:
        if pdf.get_y() > pdf.page_break_trigger - 30:
            pdf.add_page()
        pdf.set_font(FONT, "B", 13)
        pdf.set_text_color(*TEXT)
        pdf.cell(0, 7, "Notes", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        pdf.set_font(FONT, "", 10.5)
        pdf.multi_cell(
            0, 5.2, latin1(document.notes), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    return bytes(pdf.output())
