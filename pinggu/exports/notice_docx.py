"""The campaign notice as a Word document, followed by its checklists as attachments, ready to send."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from pinggu.campaigns.services import cn_datetime
from pinggu.frameworks import exports
from pinggu.frameworks.services import to_dict


def _para(document, text, *, bold=False, size=14, align=None, indent=False):
    p = document.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")
    return p


def build(campaign):
    links = list(campaign.framework_links.select_related("framework", "unit_kind").order_by("unit_kind__order"))
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    if campaign.issuer:
        _para(document, campaign.issuer, bold=True, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, campaign.title, bold=True, size=18, align=WD_ALIGN_PARAGRAPH.CENTER)
    if campaign.basis:
        _para(document, f"（依据：{campaign.basis}）", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    body = (campaign.notice or "").replace("**", "").strip()
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    if not paragraphs or not paragraphs[0].endswith(("：", ":")):
        kinds = "、".join(f"各{link.unit_kind.name}" for link in links) or "各参评单位"
        _para(document, f"{kinds}：")
    for p in paragraphs:
        _para(document, " ".join(line.strip() for line in p.splitlines()), indent=not p.endswith(("：", ":")))
    _para(document, f"请于{cn_datetime(campaign.deadline)}前通过评估系统报送印证材料。", indent=True)
    contact = "　".join(x for x in (
        f"联系人：{campaign.contact_name}" if campaign.contact_name else "",
        f"联系电话：{campaign.contact_phone}" if campaign.contact_phone else "",
    ) if x)
    if contact:
        _para(document, contact, indent=True)
    if campaign.contact_email:
        _para(document, f"邮箱：{campaign.contact_email}", indent=True)
    if links:
        _para(document, "附件：" + "\n".join(f"{i}. {link.framework.name}" for i, link in enumerate(links, 1)), indent=True)
    for i, link in enumerate(links, 1):
        exports.to_docx(to_dict(link.framework), attachment_label=f"附件{i}", document=document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
