"""notice.docx and the framework export look like 公文 (GB/T 9704-2012; issue 8 #15, #10)."""

import io
import re

import pytest
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from pinggu.lib import gongwen
from pinggu.site import demo

from .office import to_pdf

pytestmark = pytest.mark.django_db

ISSUER = "榆林市政府政务信息化服务中心"


@pytest.fixture
def notice(client, world, settings):
    settings.BASE_URL = "https://pinggu.example.org"
    world.campaign.notice = demo.NOTICE
    world.campaign.issuer = ISSUER
    world.campaign.basis = "榆政办函〔2020〕203号"
    world.campaign.save()
    client.force_login(world.organizer)
    response = client.get(f"/campaigns/{world.campaign.pk}/export/notice.docx")
    assert response.status_code == 200
    return response.content


def _east_asia(run):
    r_fonts = run._element.rPr.find(qn("w:rFonts"))
    return r_fonts.get(qn("w:eastAsia"))


def _para(document, text):
    return next(p for p in document.paragraphs if p.text.startswith(text))


def test_notice_docx_follows_the_standard(notice, world):
    document = Document(io.BytesIO(notice))
    section = document.sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (210, 297)
    assert round(section.top_margin / Mm(1)) == 37 and round(section.left_margin / Mm(1)) == 28
    assert round((section.page_width - section.left_margin - section.right_margin) / Mm(1)) == 156
    assert round((section.page_height - section.top_margin - section.bottom_margin) / Mm(1)) == 225

    title = document.paragraphs[0]
    assert title.text == "测试评估" and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    font_table = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml").blob.decode()
    assert re.search(r'w:name="方正小标宋简体"><w:altName w:val="华文中宋,宋体"', font_table)

    recipients = _para(document, "各县市区人民政府")
    assert recipients.paragraph_format.first_line_indent in (None, 0)
    body = _para(document, "根据《榆林市人民政府办公室")
    assert _east_asia(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    assert body.paragraph_format.first_line_indent == Pt(32)  # two characters
    normal = document.styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY and 28 <= normal.line_spacing.pt <= 29.5

    heading = _para(document, "报送要求")
    assert heading.text == "报送要求" and _east_asia(heading.runs[0]) == "黑体"
    items = [p.text for p in document.paragraphs if re.match(r"\d\.\S", p.text)]
    assert [i[:2] for i in items] == ["1.", "2.", "3."]  # each requirement its own paragraph

    login = _para(document, "请于")
    assert "登录地址：https://pinggu.example.org/accounts/login/，用户名为本单位代码" in login.text
    assert "https://pinggu.example.org" in _para(document, "联系人：虚构联系人").text

    texts = [p.text for p in document.paragraphs]
    first = texts.index("附件：1. 县级政府评估工作印证材料报送清单")
    assert texts[first + 1] == "2. 市级部门评估工作印证材料报送清单"
    issuer = _para(document, ISSUER)
    date = document.paragraphs[texts.index(ISSUER) + 1]
    opened = timezone.localtime(world.campaign.opens_at).date()
    assert date.text == f"{opened.year}年{opened.month}月{opened.day}日"
    assert issuer.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.paragraph_format.right_indent == Pt(16 * 4)  # 成文日期 four characters from the right
    assert texts.index(ISSUER) > first

    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    for footer in (odd, even):
        assert "PAGE" in footer._p.xml and footer.text.startswith("— ") and footer.text.endswith(" —")
        assert footer.runs[0].font.size == Pt(14)

    # The checklists follow as 附件, each on a new page, with "附件1" in 黑体 at the top left.
    label = _para(document, "附件1")
    assert _east_asia(label.runs[0]) == "黑体" and label.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert len(document.sections) == 3
    for table in document.tables:
        assert "w:tblHeader" in table.rows[0]._tr.xml
        assert all("w:cantSplit" in row._tr.xml for row in table.rows)
        header = [c.text for c in table.rows[0].cells]
        widths = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert widths.index(max(widths)) == header.index("考核点")
        assert abs(sum(widths) - Mm(156).twips) < 30  # the table fills the 版心, no more


def test_notice_pdf_shows_signature_date_page_numbers_and_a_wide_checkpoint_column(notice, world, tmp_path):
    import pdfplumber

    pdf = to_pdf(notice, tmp_path, "notice")
    opened = timezone.localtime(world.campaign.opens_at).date()
    with pdfplumber.open(pdf) as document:
        pages = [page.extract_text() or "" for page in document.pages]
        flat = [re.sub(r"\s+", "", text) for text in pages]
        assert len(pages) >= 4
        for n in (1, 2, 3):
            assert f"—{n}—" in flat[n - 1], f"page {n} has no page number"
        signed = next(i for i, text in enumerate(flat) if ISSUER in text)
        assert f"{opened.year}年{opened.month}月{opened.day}日" in flat[signed]
        assert "附件1" in flat[signed + 1]
        # The 落款 is at the bottom right: right of the page's middle, below the 附件 list.
        page = document.pages[signed]
        words = page.extract_words()
        issuer_words = [w for w in words if w["text"].startswith("榆林市政府")]
        assert issuer_words and issuer_words[0]["x0"] > page.width / 3
        # The checklist's 考核点 column is the widest one in the rendered table.
        table_page = document.pages[signed + 1]
        table = table_page.find_tables()[0]
        header = table.rows[0].cells
        labels = [re.sub(r"\s+", "", table_page.crop(cell).extract_text() or "") for cell in header]
        widths = [cell[2] - cell[0] for cell in header]
        assert "考核点" in labels, labels
        assert widths.index(max(widths)) == labels.index("考核点"), list(zip(labels, widths))
        assert "一级指标" in labels and widths[labels.index("一级指标")] < widths[labels.index("考核点")] / 2


def test_framework_docx_uses_the_same_style(org_client, bundled):
    body = org_client.get("/frameworks/yulin-2020-county/export.docx").content
    document = Document(io.BytesIO(body))
    title = document.paragraphs[0]
    assert title.text == "县级政府评估工作印证材料报送清单" and _east_asia(title.runs[0]) == "方正小标宋简体"
    assert round(document.sections[0].left_margin / Mm(1)) == 28
    assert "PAGE" in document.sections[0].footer._element.xml
    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == ["一级指标", "二级指标", "三级指标", "四级指标", "考核点"]
    widths = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert widths.index(max(widths)) == 4


def test_fit_widths_keeps_the_wide_column_widest():
    cells = [gongwen.TableCell(0, 0, "一、政府信息公开"), gongwen.TableCell(0, 1, "是否建立健全" * 10),
             gongwen.TableCell(0, 2, "3"), gongwen.TableCell(0, 3, "说明文字很长" * 20)]
    widths = gongwen.fit_widths(["一级指标", "考核点", "分值", "说明"], cells, 156, wide=1)
    assert abs(sum(widths) - 156) < 0.01
    assert widths.index(max(widths)) == 1
    assert widths[2] < 20  # a score column stays narrow
    short = gongwen.fit_widths(["编号", "考核点"], [gongwen.TableCell(0, 0, "C01"), gongwen.TableCell(0, 1, "短")], 156, wide=1)
    assert short[1] > short[0] and abs(sum(short) - 156) < 0.01


def test_markdown_blocks():
    blocks = gongwen.markdown_blocks("主送：\n\n一段\n接着。\n\n**报送要求**\n\n1. 甲；\n2、乙。\n\n（一）细则\n\nsee the\nmanual")
    assert blocks == [("paragraph", "主送："), ("paragraph", "一段接着。"), ("heading1", "报送要求"), ("item", "1.甲；"),
                      ("item", "2.乙。"), ("heading2", "（一）细则"), ("paragraph", "see the manual")]
    assert gongwen.markdown_blocks("# 一、总体要求\n## （一）范围\n- 条目") == [
        ("heading1", "一、总体要求"), ("heading2", "（一）范围"), ("item", "条目")]


def test_simple_table_and_properties():
    document = gongwen.new_document(title="回执", author="测试单位")
    assert document.core_properties.author == "测试单位" and "python-docx" not in document.core_properties.comments
    t = gongwen.simple_table(document, ["编号", "文件名", "大小"], [["C01", "制度文件.pdf", 1024], ["C02", None, 0]],
                             wide=1, align_left=(1,))
    assert [c.text for c in t.rows[1].cells] == ["C01", "制度文件.pdf", "1024"]
    assert "w:tblHeader" in t.rows[0]._tr.xml
    reopened = Document(io.BytesIO(gongwen.to_bytes(document)))
    assert reopened.tables[0].rows[2].cells[1].text == ""
