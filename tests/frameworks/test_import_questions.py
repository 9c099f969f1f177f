"""Issue 8, point 4: the import questions what it used to accept silently."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pinggu.frameworks import importing, services
from pinggu.frameworks.services import FrameworkError, readable_code

from .workbooks import save, workbook_with

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "year", "code"), [
    ("榆林县级清单", 2020, "yulinxianjiqingdan-2020"),
    ("县级政府评估工作印证材料报送清单", 2020, "xjzfpggzyzclbsqd-2020"),
    ("2020年IPv6专项清单", 2020, "ipv6-zhuanxiangqingdan-2020"),
    ("Test list", None, "test-list"),
    ("！！", None, "framework"),
])
def test_readable_code(name, year, code):
    assert readable_code(name, year) == code


def test_readable_code_is_unique(db):
    data = importing.read("a.xlsx", save(workbook_with([["一级指标", "考核点"], ["一、公开", "甲"]], title="榆林清单")),
                          defaults={"year": 2020})
    assert data[0]["code"] == "yulinqingdan-2020"
    importing.store(data)
    assert readable_code("榆林清单", 2020) == "yulinqingdan-2020-2"
    assert readable_code("榆林清单", 2020, taken={"yulinqingdan-2020-2"}) == "yulinqingdan-2020-3"


def test_blank_code_becomes_pinyin_not_a_hash(db):
    wb = workbook_with([["一级指标", "考核点"], ["一、公开", "甲"]], title="2021年县级政府清单")
    [data] = importing.read("x.xlsx", save(wb))
    assert data["code"] == "xianjizhengfuqingdan-2021" and data["year"] == 2021
    body = json.dumps({**data, "code": ""}, ensure_ascii=False).encode()
    [again] = importing.read("x.json", io.BytesIO(body))
    assert again["code"] == "xianjizhengfuqingdan-2021"


POINTS_40 = [
    ["一级指标", "二级指标", "考核点", "分值"],
    ["一、主动公开", "(一)重点领域", "财政预决算公开", 20],
    [None, None, "政策解读", 10],
    [None, "(二)平台", "网站安全", 10],
]


def test_points_not_adding_up_to_total_refused_unless_accepted(db):
    with pytest.raises(FrameworkError) as caught:
        importing.read("x.xlsx", save(workbook_with(POINTS_40)))
    assert caught.value.code == "points_mismatch"
    [problem] = caught.value.problems
    assert "40" in problem["message"] and "100" in problem["message"]
    datas = importing.read("x.xlsx", save(workbook_with(POINTS_40)), accept_points_mismatch=True)
    assert [w["code"] for w in datas.warnings] == ["points_mismatch"]


def test_bonus_points_are_not_part_of_the_total(db):
    rows = [["一级指标", "考核点", "分值", "加分项"], ["一、公开", "甲", 60, None], [None, "乙", 40, None], [None, "获奖", 5, "是"]]
    datas = importing.read("x.xlsx", save(workbook_with(rows)))
    assert datas.warnings == []


def test_indicator_points_and_their_points_below_must_agree(db):
    rows = [["一级指标", "一级分值", "考核点", "分值"], ["一、公开", 100, "甲", 60], [None, None, "乙", 30]]
    with pytest.raises(FrameworkError) as caught:
        importing.read("x.xlsx", save(workbook_with(rows)))
    [problem] = caught.value.problems
    assert (problem["row"], problem["column"]) == (2, "B") and "90" in problem["message"]


def test_total_row_sets_the_total(db):
    rows = [["一级指标", "考核点", "分值"], ["一、公开", "甲", 30], [None, "乙", 20], ["合计", None, 50]]
    [data] = importing.read("x.xlsx", save(workbook_with(rows)))
    assert data["total_points"] == 50 and [n["title"] for n in data["indicators"]] == ["公开"]


def test_score_without_checkpoint_is_reported(db):
    rows = [["一级指标", "考核点", "分值", "说明"], ["一、公开", "甲", 60, None], [None, None, 40, "会议纪要"], [None, "乙", 40, None]]
    datas = importing.read("x.xlsx", save(workbook_with(rows)), accept_points_mismatch=True)
    dropped = [(w["sheet"], w["row"], w["column"]) for w in datas.warnings if w["code"] == "dropped"]
    assert dropped == [("测试清单", 3, "C"), ("测试清单", 3, "D")]


def test_cli_reports_warnings_and_needs_the_flag(db, tmp_path, capsys):
    path = tmp_path / "x.xlsx"
    path.write_bytes(save(workbook_with(POINTS_40)).getvalue())
    with pytest.raises(CommandError):
        call_command("framework", "import", str(path))
    assert "分值合计" in capsys.readouterr().err
    call_command("framework", "import", str(path), "--accept-points-mismatch")
    out = capsys.readouterr().out
    assert "注意" in out and "分值合计" in out


def test_api_reports_warnings_and_needs_the_flag(org_api):
    def post(**extra):
        upload = save(workbook_with(POINTS_40))
        return org_api.post("/api/v1/frameworks/import", {"file": upload, **extra})

    refused = post()
    assert refused.status_code == 400 and refused.json()["error"] == "points_mismatch"
    accepted = post(accept_points_mismatch="true")
    assert accepted.status_code == 201
    assert [w["code"] for w in accepted.json()["warnings"]] == ["points_mismatch"]


def test_web_preview_shows_warnings_and_confirm_needs_the_checkbox(org_client):
    upload = save(workbook_with(POINTS_40))
    page = org_client.post("/frameworks/import/", {"file": upload}).content.decode()
    assert "分值合计为 40" in page and 'name="accept_points_mismatch"' in page
    refused = org_client.post("/frameworks/import/confirm/")
    assert refused.status_code == 200 and "分值合计与总分不一致，仍然导入" in refused.content.decode()
    assert not services.Framework.objects.exists()
    done = org_client.post("/frameworks/import/confirm/", {"accept_points_mismatch": "on"})
    assert done.status_code == 302 and services.Framework.objects.count() == 1


def test_audit_notes_what_was_accepted(db):
    from pinggu.accounts.models import AuditEvent

    importing.store(importing.read("x.xlsx", save(workbook_with(POINTS_40)), accept_points_mismatch=True))
    event = AuditEvent.objects.get(action="framework_import")
    assert event.details["accepted_points_mismatch"] is True


def test_web_shows_cells_left_out_before_and_after(org_client):
    rows = [["一级指标", "考核点", "分值"], ["一、公开", "甲", 60], [None, None, 15], [None, "乙", 40]]
    page = org_client.post("/frameworks/import/", {"file": save(workbook_with(rows))}).content.decode()
    message = "第 3 行的分值“15”没有对应的考核点或指标，未导入。"
    assert message in page and 'name="accept_points_mismatch"' not in page
    done = org_client.post("/frameworks/import/confirm/", follow=True).content.decode()
    assert message in done
