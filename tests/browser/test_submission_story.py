"""The issue's story, from the browser only, in a real Chromium.

The organizer creates a campaign, enrolls units and creates accounts; a unit
logs in, changes its password, uploads files and a link, marks a point 不适用
and submits; the organizer sees it submitted and the audit log shows each step.
"""

import re

import pytest

from pinggu.accounts.models import AuditEvent, Role
from pinggu.evidence.models import Evidence

from ..conftest import PASSWORD, PDF, make_user
from .steps import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_campaign_from_creation_to_submission(page, bundled, tmp_path):
    make_user("organizer", role=Role.ORGANIZER)
    # --- The organizer: a unit, a campaign, enrollment, accounts.
    login(page, "organizer", PASSWORD)
    page.click("a.nav-link:has-text('单位')")
    page.click("text=新建单位")
    page.fill("#id_name", "榆阳区")
    page.select_option("#id_kind", label="县级政府")
    page.fill("#id_contact_name", "虚构联系人")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已新建单位")

    page.click("a.nav-link:has-text('评估任务')")
    page.click("text=新建评估任务")
    page.fill("#id_title", "2020年全市政务公开绩效评估")
    page.fill("#id_year", "2020")
    page.fill("#id_basis", "榆政办函〔2020〕203号")
    page.fill("#id_contact_name", "李明（虚构）")
    page.fill("#id_contact_phone", "0912-5550100")
    page.fill("#id_opens_at", "2020-01-01T09:00")
    page.fill("#id_deadline", "2099-12-11T17:00")
    page.select_option("#id_framework_county", "yulin-2020-county")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已创建评估任务")
    assert "2099年12月11日 17:00" in page.content()
    page.click("button:has-text('报名选中的单位')")
    page.wait_for_selector("text=已报名 1 个单位")
    page.click("button:has-text('开始报送')")
    page.wait_for_selector("text=任务状态已改为")
    page.click("button:has-text('为参评单位生成填报账户')")
    username = page.inner_text("table code >> nth=0")
    one_time = page.inner_text("code.credential")
    assert username == "yyq"
    with page.expect_download() as download:
        page.click("text=下载为 Excel")
    import io

    from openpyxl import load_workbook

    assert download.value.suggested_filename == "账户与初始密码.xlsx"
    with open(download.value.path(), "rb") as fh:
        sheet = load_workbook(io.BytesIO(fh.read())).active
    assert [c.value for c in sheet[2]][:3] == ["榆阳区", "yyq", one_time]
    assert sheet["D2"].value.endswith("/accounts/login/")  # where to log in, on every row
    logout(page)

    # --- The unit: first login, new password, materials, 不适用, submit.
    login(page, username, one_time)
    page.wait_for_url(re.compile(r"/accounts/password/"))
    page.fill("#id_old_password", one_time)
    page.fill("#id_new_password1", "Yuyang-2020-ok")
    page.fill("#id_new_password2", "Yuyang-2020-ok")
    page.click("button:has-text('保存新密码')")
    page.wait_for_url(re.compile(r"/campaigns/\d+/units/yyq/"))
    assert "已填报 0 / 36" in page.inner_text("#progress")

    first = tmp_path / "会议公开制度.pdf"
    first.write_bytes(PDF + b"% first")
    second = tmp_path / "列席会议记录.pdf"
    second.write_bytes(PDF + b"% second")
    page.set_input_files("#point-C01 input[data-upload]", [str(first), str(second)])
    page.wait_for_selector("#point-C01 a:has-text('列席会议记录.pdf')")
    page.wait_for_selector("#point-C01 a:has-text('会议公开制度.pdf')")
    assert "已填报 1 / 36" in page.inner_text("#progress")

    page.click("#point-C03 summary:has-text('添加网页链接')")
    page.fill("#point-C03 input[name=url]", "https://www.example.org/yyq/zcjd/1.html")
    page.click("#point-C03 button:has-text('添加链接')")
    page.wait_for_selector("#point-C03 a:has-text('https://www.example.org/yyq/zcjd/1.html')")

    page.click("#point-C26 summary:has-text('标记不适用')")
    page.fill("#point-C26 textarea[name=note]", "门户网站由市级集约化平台承载")
    page.click("#point-C26 button:has-text('标记不适用')")
    page.wait_for_selector("#point-C26 .badge:has-text('不适用')")
    assert "已填报 3 / 36" in page.inner_text("#progress")

    page.click("a:has-text('确认报送')")
    assert "还有 33 个考核点没有填报" in page.content()
    page.check("#acknowledge_incomplete")
    page.click("button:has-text('仍然确认报送')")
    page.wait_for_selector("text=已确认报送")
    assert "data-upload-url" not in page.content()  # read-only now
    logout(page)

    # --- The organizer sees it submitted; the audit log shows every step.
    login(page, "organizer", PASSWORD)
    page.click("a.nav-link:has-text('评估任务')")
    page.click("a:has-text('查看')")
    row = page.locator("tr", has_text="榆阳区")
    assert "已报送" in row.inner_text() and "3 / 36" in row.inner_text()
    page.click("a.nav-link:has-text('审计日志')")
    log = page.inner_text("table")
    for label in ("新建单位", "新建任务", "报名参评", "任务状态变更", "新建账户", "修改密码", "上传文件", "添加链接", "标记不适用", "确认报送", "登录", "退出"):
        assert label in log, label
    assert Evidence.objects.filter(kind="file").count() == 2
    assert AuditEvent.objects.filter(action="upload").count() == 2
