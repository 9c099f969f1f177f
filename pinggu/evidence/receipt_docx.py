"""The 报送回执 as a Word document: a rendering of receipts.Receipt, nothing computed here.

Kept small on purpose: the 公文 styling (GB/T 9704) lives in pinggu.lib.gongwen and replaces the plain
paragraphs below once available.
"""

import io

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from pinggu.campaigns.services import cn_datetime

from .receipts import Receipt

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _east_asian(run, font="仿宋"):
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _line(document, text, *, bold=False, size=12, style=None):
    paragraph = document.add_paragraph(style=style)
    run = _east_asian(paragraph.add_run(text))
    run.bold, run.font.size = bold, Pt(size)
    return paragraph


def build(receipt: Receipt) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    title = _line(document, _("报送回执"), bold=True, size=18)
    title.alignment = 1  # centred
    for label, value in (
        (_("回执编号"), receipt.number), (_("评估任务"), receipt.campaign_title),
        (_("报送单位"), f"{receipt.unit_name}（{receipt.unit_code}）"), (_("报送人"), receipt.submitter),
        (_("报送时间"), cn_datetime(receipt.submitted_at)),
        (_("已填报"), f"{receipt.answered} / {len(receipt.points)}"),
        (_("文件"), f"{receipt.file_count}（{filesizeformat(receipt.total_bytes)}）"),
        (_("内容指纹（SHA-256）"), receipt.fingerprint),
    ):
        _line(document, f"{label}：{value}", size=11)
    for point in receipt.points:
        _line(document, f"{point.code}　{point.title}", bold=True, size=12)
        _line(document, f"{' / '.join(point.indicators)}　[{point.status_label}]", size=10)
        if point.not_applicable_reason:
            _line(document, _("不适用理由：%(r)s") % {"r": point.not_applicable_reason}, size=11)
        if point.note:
            _line(document, _("说明：%(n)s") % {"n": point.note}, size=11)
        if point.files:
            table = document.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, (_("文件名"), _("大小"), _("上传时间"), "SHA-256"), strict=True):
                _east_asian(cell.paragraphs[0].add_run(text)).bold = True
            for item in point.files:
                cells = table.add_row().cells
                for cell, text in zip(cells, (item.name, filesizeformat(item.size), cn_datetime(item.uploaded_at), item.sha256),
                                      strict=True):
                    run = _east_asian(cell.paragraphs[0].add_run(text))
                    run.font.size = Pt(8 if text == item.sha256 else 10)
        for link in point.links:
            _line(document, _("链接：%(u)s（%(t)s）") % {"u": link.url, "t": cn_datetime(link.added_at)}, size=10)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
