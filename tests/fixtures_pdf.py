"""PDF fixtures made on the fly (reportlab for text, pypdf for encryption, PIL for scans).

Tests build their own inputs so the suite never depends on files outside the repo.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, SimpleDocTemplate


def text_pdf(pages: list[list[str]], *, heading_first: bool = False) -> bytes:
    """A typeset PDF: each page holds the given paragraphs (justified body text, wrapped by reportlab)."""
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    body.alignment = 4  # justified, like contracts
    out = io.BytesIO()
    story = []
    for i, paragraphs in enumerate(pages):
        if i:
            story.append(PageBreak())
        for j, para in enumerate(paragraphs):
            style = styles["Heading1"] if heading_first and j == 0 else body
            story.append(Paragraph(para, style))
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return out.getvalue()


def two_column_pdf(paragraphs: list[str]) -> bytes:
    """One page with the paragraphs flowing through two columns."""
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = BaseDocTemplate(out, pagesize=A4)
    width = (doc.width - 12) / 2
    frames = [
        Frame(doc.leftMargin, doc.bottomMargin, width, doc.height, id="left"),
        Frame(doc.leftMargin + width + 12, doc.bottomMargin, width, doc.height, id="right"),
    ]
    doc.addPageTemplates([PageTemplate(id="two", frames=frames)])
    doc.build([Paragraph(p, styles["BodyText"]) for p in paragraphs])
    return out.getvalue()


def encrypt(data: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_image(lines: list[str], *, size: int = 44) -> Image.Image:
    """White image with black text, big enough for OCR (a stand-in for a scanned page)."""
    font = ImageFont.load_default(size=size)
    height = (size + size // 2) * len(lines) + 2 * size
    image = Image.new("L", (int(size * 0.62 * max(len(line) for line in lines)) + 2 * size, height), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((size, size + i * (size + size // 2)), line, fill=0, font=font)
    return image


def image_only_pdf(pages: list[list[str]]) -> bytes:
    """Pages that carry only a picture of text: no text layer at all."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    page_w, page_h = A4
    for lines in pages:
        image = text_image(lines)
        scale = min((page_w - 72) / image.width, (page_h - 72) / image.height)
        w, h = image.width * scale, image.height * scale
        c.drawImage(ImageReader(image), 36, page_h - 36 - h, width=w, height=h)
        c.showPage()
    c.save()
    return out.getvalue()


def blank_pdf(n_pages: int = 1) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for _ in range(n_pages):
        c.showPage()
    c.save()
    return out.getvalue()
