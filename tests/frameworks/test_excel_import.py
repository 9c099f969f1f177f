import pytest
from openpyxl import Workbook

from pinggu.frameworks import exports, importing, services
from pinggu.frameworks.models import Framework
from pinggu.frameworks.services import FrameworkError
from pinggu.site import demo

from .workbooks import notice_sheet, save, workbook_with

pytestmark = pytest.mark.django_db


def read(fileobj, **options):
    """A workbook through the import every user takes (validated), texts as written (the CLI's --keep-punctuation)."""
    return importing.read("清单.xlsx", fileobj, normalise=False, **options)


def tree(data):
    """The parts of a framework that a checklist layout carries."""
    def node(n):
        return {
            "code": n["code"], "numbering": n["numbering"], "level": n["level"], "title": n["title"],
            "children": [node(c) for c in n["children"]],
            "checkpoints": [(cp["code"], cp["text"]) for cp in n["checkpoints"]],
        }
    return [node(n) for n in data["indicators"]]


@pytest.fixture
def bundled_data(db):
    return {d["code"]: d for d in demo.bundled_frameworks()}


@pytest.mark.parametrize("merged", [True, False], ids=["merged-cells", "blank-means-same-as-above"])
@pytest.mark.parametrize("code", ["yulin-2020-county", "yulin-2020-department"])
def test_notice_layout_imports_to_bundled_tree(bundled_data, code, merged):
    original = bundled_data[code]
    wb = Workbook()
    notice_sheet(wb.active, original, merged=merged)
    [imported] = read(save(wb))
    assert tree(imported) == tree(original)
    assert imported["name"] == original["name"]
    assert imported["levels"] == ["一级指标", "二级指标", "三级指标", "四级指标"]
    assert imported["unit_kind"] == original["unit_kind"]  # recognised from the title
    assert imported["scoring_mode"] == "none"


def test_imported_workbook_is_stored_and_equal(bundled_data):
    wb = Workbook()
    notice_sheet(wb.active, bundled_data["yulin-2020-county"])
    datas = importing.read("清单.xlsx", save(wb), defaults={"code": "county-from-excel"})
    [fw] = importing.store(datas)
    assert fw.code == "county-from-excel" and fw.status == "draft"
    assert tree(services.to_dict(fw)) == tree(bundled_data["yulin-2020-county"])


def test_pinggu_excel_export_reads_back(bundled, bundled_data):
    for fw in bundled:
        data = services.to_dict(fw)
        [again] = read(save_bytes(exports.to_xlsx(data)))
        assert tree(again) == tree(data)


def save_bytes(body):
    import io

    buffer = io.BytesIO(body)
    buffer.name = "export.xlsx"
    return buffer


def test_numbering_variants_and_latin_spacing(db):
    wb = workbook_with([
        ["一级指标", "二级指标", "考核点"],
        ["一、政府信息 公开", "（一）主动\n公开", "是否 支持 IPv6 protocol\n version 6 访问"],
        [None, "(二) 依申请公开", "第二个\u3000考核点"],
        ["2、平台建设", "1. 政府网站", "网站 检查"],
    ])
    [data] = read(save(wb))
    first, second = data["indicators"]
    assert (first["numbering"], first["title"]) == ("一、", "政府信息公开")
    assert [(c["numbering"], c["title"]) for c in first["children"]] == [("（一）", "主动公开"), ("(二)", "依申请公开")]
    assert first["children"][0]["checkpoints"][0]["text"] == "是否支持IPv6 protocol version 6访问"
    assert first["children"][1]["checkpoints"][0]["text"] == "第二个考核点"
    assert (second["numbering"], second["title"]) == ("2、", "平台建设")
    assert (second["children"][0]["numbering"], second["children"][0]["title"]) == ("1.", "政府网站")


def test_weighted_workbook(db):
    wb = workbook_with([
        ["考核点", "一级指标", "一级权重", "二级指标", "二级权重", "采样方式", "说明"],
        ["会议制度落实", "一、政府信息公开", "40%", "(一)主动公开", 70, "材料", "会议纪要"],
        ["政策文件", None, None, None, None, "网站检查", ""],
        ["依申请办理", None, None, "(二)依申请公开", "30", "材料", ""],
        ["网站内容", "二、平台建设", 60, "(三)政府网站", 100, "网站", ""],
    ])
    [data] = read(save(wb))
    assert data["scoring_mode"] == "weights"
    one, two = data["indicators"]
    assert (one["weight"], two["weight"]) == (40, 60)  # "40%" read as a number
    [fw] = importing.store([data])
    stored = services.to_dict(fw)
    one, two = stored["indicators"]
    assert (one["weight"], two["weight"]) == (40, 60)
    assert [c["weight"] for c in one["children"]] == [70, 30]
    cps = one["children"][0]["checkpoints"]
    assert [cp["sampling"] for cp in cps] == ["material", "website"]
    assert cps[0]["hint"] == "会议纪要"


def test_points_workbook_with_deduction_rules(db):
    wb = workbook_with([
        ["一级指标", "二级指标", "考核点", "分值", "扣分规则", "类型"],
        ["一、主动公开", "(一)重点领域", "财政预决算公开", "10分", "每例扣2分", None],
        [None, None, "政策解读", 5.5, "未解读的每项扣1分；解读不规范每例扣0.5分", None],
        [None, "(二)创新", "获得省级表彰", 3, None, "加分项"],
        ["二、安全", "(三)网站安全", "发生重大安全事件", 0, None, "单项否决"],
    ])
    [data] = read(save(wb), accept_points_mismatch=True)  # the points do not add up to a total: "仍然导入"
    assert data["scoring_mode"] == "points"
    [fw] = importing.store([data])
    stored = services.to_dict(fw)
    cps = [cp for ind in stored["indicators"] for child in ind["children"] for cp in child["checkpoints"]]
    assert [cp["points"] for cp in cps] == [10, 5.5, 3, 0]
    assert cps[0]["deduction_rules"] == [{"text": "每例扣2分", "points": 2}]
    assert cps[1]["deduction_rules"] == [{"text": "未解读的每项扣1分", "points": 1}, {"text": "解读不规范每例扣0.5分", "points": 0.5}]
    assert (cps[2]["bonus"], cps[2]["veto"]) == (True, False)
    assert (cps[3]["bonus"], cps[3]["veto"]) == (False, True)


def refused(wb, **kwargs):
    with pytest.raises(FrameworkError) as caught:
        importing.read("清单.xlsx", save(wb), **kwargs)
    return caught.value.problems


def test_missing_header_refused(db):
    wb = workbook_with([["名称", "内容"], ["a", "b"]], title="第一页")
    problems = refused(wb)
    assert problems[0]["sheet"] == "第一页" and "表头" in problems[0]["message"]


def test_checkpoint_without_indicator_refused(db):
    wb = workbook_with([
        ["一级指标", "二级指标", "考核点"],
        [None, None, "孤立的考核点"],
        ["一、公开", "(一)主动", "正常的考核点"],
    ])
    [problem] = refused(wb)
    assert (problem["sheet"], problem["row"], problem["column"]) == ("测试清单", 2, "C")
    assert "没有所属指标" in problem["message"]


def test_duplicate_code_refused(db):
    wb = workbook_with([
        ["一级指标", "考核点", "编号"],
        ["一、公开", "第一点", "K1"],
        [None, "第二点", "K1"],
    ])
    [problem] = refused(wb)
    assert (problem["row"], problem["column"]) == (3, "C") and "重复" in problem["message"]


def test_score_not_a_number_refused(db):
    wb = workbook_with([
        ["一级指标", "考核点", "分值"],
        ["一、公开", "第一点", "十分"],
        [None, "第二点", "5"],
    ])
    [problem] = refused(wb)
    assert (problem["row"], problem["column"]) == (2, "C") and "不是数字" in problem["message"]


def test_sibling_weights_must_sum_to_100(db):
    wb = workbook_with([
        ["一级指标", "权重", "二级指标", "权重", "考核点"],
        ["一、公开", 50, "(一)主动", 60, "第一点"],
        [None, None, "(二)依申请", 30, "第二点"],
        ["二、平台", 50, "(三)网站", 100, "第三点"],
    ])
    [problem] = refused(wb)
    assert (problem["sheet"], problem["row"], problem["column"]) == ("测试清单", 2, "D")
    assert "90" in problem["message"] and "100" in problem["message"]


def test_every_problem_listed_and_nothing_imported(db):
    good = Workbook()
    notice_sheet(good.active, demo.bundled_frameworks()[0])
    good.active.title = "县级"
    bad = good.create_sheet("坏表")
    for c, label in enumerate(["一级指标", "考核点", "分值", "编号"], 1):
        bad.cell(row=1, column=c, value=label)
    bad.append([None, "孤立", 1, "X1"])
    bad.append(["一、公开", "甲", "abc", "X2"])
    bad.append([None, "乙", 2, "X2"])
    before = Framework.objects.count()
    problems = refused(good)
    assert {(p["sheet"], p["row"], p["column"]) for p in problems} == {("坏表", 2, "B"), ("坏表", 3, "C"), ("坏表", 4, "D")}
    assert Framework.objects.count() == before


def test_explicit_sheet_choice(db):
    wb = Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "填表说明：本工作簿第二页是清单"
    ws = wb.create_sheet("清单")
    for r in ([["一级指标", "考核点"], ["一、公开", "甲"]]):
        ws.append(r)
    assert len(importing.read("x.xlsx", save(wb))) == 1  # sheets without a header are skipped
    assert len(importing.read("x.xlsx", save(wb), sheet="清单")) == 1
    problems = refused(wb, sheet="不存在")
    assert "没有名为" in problems[0]["message"]


def test_one_framework_per_sheet(db):
    wb = Workbook()
    county, department = demo.bundled_frameworks()
    notice_sheet(wb.active, county)
    notice_sheet(wb.create_sheet("部门"), department)
    datas = importing.read("两张表.xlsx", save(wb))
    assert [d["name"] for d in datas] == [county["name"], department["name"]]
    assert len({d["code"] for d in datas}) == 2


def test_not_a_workbook_refused(db):
    import io

    fake = io.BytesIO(b"<html>not excel</html>")
    with pytest.raises(FrameworkError) as caught:
        importing.read("伪装.xlsx", fake)
    assert "xlsx" in caught.value.problems[0]["message"]
