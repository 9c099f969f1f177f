"""Checklist tables of a Word document import like sheets: reading cells, never styles."""

import io

import pytest
from docx import Document
from docx.shared import Cm, Pt

from pinggu.frameworks import exports, importing, services
from pinggu.frameworks.services import FrameworkError

pytestmark = pytest.mark.django_db


def tree(data):
    def node(n):
        return (n["code"], n["numbering"], n["level"], n["title"], [node(c) for c in n["children"]],
                [(cp["code"], cp["text"]) for cp in n["checkpoints"]])
    return [node(n) for n in data["indicators"]]


def restyled(body):
    """The export as another hand (or the 公文 restyle) might leave it: fonts, widths, table style, extra paragraphs
    and an unrelated table before the checklist."""
    document = Document(io.BytesIO(body))
    for table in document.tables:
        table.style = None
        for row in table.rows:
            for cell in row.cells:
                cell.width = Cm(3)
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.name = "仿宋_GB2312"
                        run.font.size = Pt(12)
                        run.bold = True
    first = document.paragraphs[0]
    first.insert_paragraph_before("附件1")
    info = document.add_table(rows=2, cols=2)
    info.cell(0, 0).text, info.cell(0, 1).text = "联系人", "虚构联系人"
    first._p.addprevious(info._tbl)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_restyled_export_reads_back(bundled):
    data = services.to_dict(bundled[0])
    [again] = importing.read("清单.docx", io.BytesIO(restyled(exports.to_docx(data))), defaults={"code": "from-word"})
    assert tree(again) == tree(data)
    assert again["name"] == data["name"] and again["code"] == "from-word" and again["unit_kind"] == "county"


def test_notice_docx_imports_each_attachment(client, world):
    client.force_login(world.organizer)
    body = client.get(f"/campaigns/{world.campaign.pk}/export/notice.docx").content
    datas = importing.read("通知.docx", io.BytesIO(body))
    assert [d["name"] for d in datas] == [fw.name for fw in (services.get_framework("yulin-2020-county"), services.get_framework("yulin-2020-department"))]
    assert tree(datas[0]) == tree(services.to_dict(services.get_framework("yulin-2020-county")))


def test_not_a_document_refused():
    with pytest.raises(FrameworkError) as caught:
        importing.read("伪装.docx", io.BytesIO(b"<html>not word</html>"))
    assert ".docx" in caught.value.problems[0]["message"]


def test_document_without_checklist_refused():
    document = Document()
    document.add_paragraph("只有一段文字")
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(FrameworkError) as caught:
        importing.read("空.docx", io.BytesIO(out.getvalue()))
    assert "表格" in caught.value.problems[0]["message"]


def test_web_import_of_a_word_file(org_client, bundled):
    upload = io.BytesIO(exports.to_docx(services.to_dict(bundled[1])))
    upload.name = "部门清单.docx"
    page = org_client.post("/frameworks/import/", {"file": upload, "code": "dept-word", "normalise_punctuation": "on"})
    assert "检查通过" in page.content.decode()
    assert org_client.post("/frameworks/import/confirm/").status_code == 302
    assert services.get_framework("dept-word").checkpoints.count() == 36
