import re

import pytest
from docx import Document
from openpyxl import load_workbook

from pinggu.accounts.models import AuditEvent, Role
from pinggu.frameworks import services
from pinggu.frameworks.models import Framework

from ..conftest import make_user
from .workbooks import notice_sheet, save, workbook_with

pytestmark = pytest.mark.django_db


def test_login_page_and_redirect(client):
    assert client.get("/").status_code == 302
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "登录" in page.content.decode()
    assert "Content-Security-Policy" in page


def test_list_shows_both_bundled(org_client, bundled):
    html = org_client.get("/frameworks/").content.decode()
    assert "县级政府评估工作印证材料报送清单" in html and "市级部门评估工作印证材料报送清单" in html
    assert html.count(">36<") == 2


def test_detail_renders_notice_table(org_client, bundled):
    html = org_client.get("/frameworks/yulin-2020-county/").content.decode()
    assert "一、政府信息公开" in html and "（十）基层政务公开标准化规范化工作情况" in html
    assert 'rowspan="10"' in html  # 一、政府信息公开 spans its ten points
    assert 'colspan="2"' in html  # 行政审批制度改革信息公开 has no 四级
    assert html.count('class="checkpoint"') == 36


def test_exports_are_attachments(org_client, bundled, tmp_path):
    x = org_client.get("/frameworks/yulin-2020-county/export.xlsx")
    assert x["Content-Disposition"].startswith("attachment")
    path = tmp_path / "c.xlsx"
    path.write_bytes(x.content)
    ws = load_workbook(path).active
    assert ws.print_title_rows == "$2:$2"
    assert [c.value for c in ws[2]] == ["一级指标", "二级指标", "三级指标", "四级指标", "考核点"]
    assert any(str(r) == "A3:A12" for r in ws.merged_cells.ranges)
    d = org_client.get("/frameworks/yulin-2020-department/export.docx")
    path = tmp_path / "d.docx"
    path.write_bytes(d.content)
    doc = Document(str(path))
    table = doc.tables[0]
    assert len(table.rows) == 37
    assert 'w:tblHeader' in table.rows[0]._tr.xml
    texts = {cell.text for row in table.rows for cell in row.cells}
    assert "（八）政府公报" in texts and "为市政府公报提供文件的情况。" in texts
    assert AuditEvent.objects.filter(action="framework_export").count() == 2


def test_import_preview_then_confirm(org_client, bundled):
    from openpyxl import Workbook

    from pinggu.site import demo

    wb = Workbook()
    notice_sheet(wb.active, demo.bundled_frameworks()[1])
    page = org_client.post("/frameworks/import/", {"file": save(wb), "code": "dept-copy", "year": "2021"})
    html = page.content.decode()
    assert "确认导入" in html and "36 个考核点" in html
    assert not Framework.objects.filter(code="dept-copy").exists()  # nothing stored before confirming
    done = org_client.post("/frameworks/import/confirm/")
    assert done.status_code == 302
    fw = Framework.objects.get(code="dept-copy")
    assert fw.status == "draft" and fw.checkpoints.count() == 36


def test_import_errors_listed(org_client, db):
    wb = workbook_with([["一级指标", "考核点", "分值"], ["一、公开", "甲", "abc"], [None, "乙", "1"]])
    html = org_client.post("/frameworks/import/", {"file": save(wb)}).content.decode()
    assert "不是数字" in html and "<td>2</td><td>C</td>" in html
    assert not Framework.objects.exists()


def test_publish_is_final_and_new_version_copies(org_client, db):
    wb = workbook_with([["一级指标", "考核点"], ["一、公开", "甲"]])
    org_client.post("/frameworks/import/", {"file": save(wb), "code": "tiny"})
    org_client.post("/frameworks/import/confirm/")
    fw = Framework.objects.get(code="tiny")
    org_client.post("/frameworks/tiny/publish/", {"version": fw.version})
    fw.refresh_from_db()
    assert fw.is_published
    with pytest.raises(services.FrameworkError):
        services.publish(fw)
    org_client.post("/frameworks/tiny/new-version/", {"version": 1})
    v2 = Framework.objects.get(code="tiny", version=2)
    assert v2.status == "draft" and services.to_dict(v2)["indicators"] == services.to_dict(fw)["indicators"]
    # Importing the same code again never overwrites: it becomes version 3.
    org_client.post("/frameworks/import/", {"file": save(wb), "code": "tiny"})
    org_client.post("/frameworks/import/confirm/")
    assert sorted(Framework.objects.filter(code="tiny").values_list("version", flat=True)) == [1, 2, 3]


def test_delete_is_soft(org_client, bundled):
    org_client.post("/frameworks/yulin-2020-county/delete/", {"version": 1})
    assert Framework.objects.get(code="yulin-2020-county").deleted_at is not None
    assert org_client.get("/frameworks/yulin-2020-county/").status_code == 404
    assert AuditEvent.objects.filter(action="framework_delete").exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EVALUATOR])
def test_non_organizers_cannot_change(client, bundled, role):
    user = make_user("reader", role=role)
    client.force_login(user)
    assert client.get("/frameworks/").status_code == 200
    assert client.get("/frameworks/import/").status_code == 403
    assert client.post("/frameworks/yulin-2020-county/delete/", {"version": 1}).status_code == 403
    assert Framework.objects.get(code="yulin-2020-county").deleted_at is None


def test_submitter_gets_403_on_library(client, bundled):
    client.force_login(make_user("unit", role=Role.SUBMITTER))
    assert client.get("/frameworks/").status_code == 403


def test_no_external_assets(org_client, bundled):
    html = org_client.get("/frameworks/yulin-2020-county/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)


@pytest.mark.parametrize("path", ["vendor/htmx/htmx.min.js", "vendor/bootstrap/bootstrap.min.css", "pinggu/pinggu.js", "ninja/swagger-ui-bundle.js"])
def test_vendored_assets_are_served(client, settings, path):
    settings.DEBUG = False
    response = client.get(f"/static/{path}")
    assert response.status_code == 200


def test_malformed_version_is_404_not_500(org_client, bundled):
    assert org_client.post("/frameworks/yulin-2020-county/publish/", {"version": "abc"}).status_code == 404
    assert org_client.get("/frameworks/yulin-2020-county/?version=x").status_code == 404
