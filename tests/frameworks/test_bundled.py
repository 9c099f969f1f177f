"""The notice's two checklists, pinned against the 2020 Yulin notice."""

import json
import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def export_json(code, tmp_path):
    out = tmp_path / f"{code}.json"
    call_command("framework", "export", code, "--format", "json", "-o", str(out))
    return json.loads(out.read_text(encoding="utf-8"))


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node["children"])


def checkpoints(data):
    return [cp for node in walk(data["indicators"]) for cp in node["checkpoints"]]


def by_level(data):
    counts = {}
    for node in walk(data["indicators"]):
        counts[node["level"]] = counts.get(node["level"], 0) + 1
    return counts


def seed(code):
    """The checklist as shipped: the notice's text as printed, half-width punctuation and all."""
    from importlib import resources

    from pinggu.frameworks import importing

    with resources.files("pinggu.frameworks").joinpath("data", f"{code}.yaml").open("rb") as fh:
        [data] = importing.read(f"{code}.yaml", fh, normalise=False)
    return data


@pytest.fixture
def county(db):
    return seed("yulin-2020-county")


@pytest.fixture
def department(db):
    return seed("yulin-2020-department")


@pytest.mark.parametrize("code", ["yulin-2020-county", "yulin-2020-department"])
def test_loaded_checklists_show_chinese_punctuation(bundled, tmp_path, code):
    """Issue 8, point 19: the demo (and every import by default) shows full-width punctuation; the seed keeps the notice's."""
    from pinggu.frameworks.importing import normalise_texts

    loaded = export_json(code, tmp_path)
    raw = seed(code)
    assert loaded["indicators"] == normalise_texts(raw)["indicators"] != raw["indicators"]
    second = [n["numbering"] for n in walk(loaded["indicators"]) if n["level"] == 2]
    assert second[:3] == ["（一）", "（二）", "（三）"]
    cps = {cp["code"]: cp["text"] for cp in checkpoints(loaded)}
    if code == "yulin-2020-county":
        assert cps["C08"] == "是否严格落实个人信息保护有关规定，对因新冠肺炎疫情防控工作需要收集的个人信息，是否采取有效措施保管并妥善处理。"
        assert cps["C14"] == "特别重大、重大突发事件的政务舆情，是否在5小时内发布权威信息、24小时内举行新闻发布会；其他政务舆情是否在48小时内予以回应。"
        assert cps["C25"] == "网站是否存在高危漏洞（如SQL注入漏洞、XSS漏洞、网站组件漏洞、安全配置漏洞等）且造成重大影响的情况。"
    for text in [cp["text"] for cp in checkpoints(loaded)] + [n["numbering"] + n["title"] for n in walk(loaded["indicators"])]:
        assert not re.search(r"[\u4e00-\u9fff][,;:()]|[,;:()][\u4e00-\u9fff]", text), text


def test_county_counts_per_level(county):
    assert by_level(county) == {1: 5, 2: 10, 3: 21, 4: 29}
    assert len(checkpoints(county)) == 36
    assert county["unit_kind"] == "county" and county["scoring_mode"] == "none" and county["year"] == 2020


def test_department_counts_per_level(department):
    assert by_level(department) == {1: 5, 2: 10, 3: 20, 4: 28}
    assert len(checkpoints(department)) == 36
    assert department["unit_kind"] == "department"


@pytest.mark.parametrize("fixture", ["county", "department"])
def test_numbering_restored(fixture, request):
    data = request.getfixturevalue(fixture)
    first = [(n["numbering"], n["title"]) for n in data["indicators"]]
    assert first == [("一、", "政府信息公开"), ("二、", "解读回应参与"), ("三、", "服务公开"), ("四、", "平台建设"), ("五、", "组织保障")]
    second = [n["numbering"] for n in walk(data["indicators"]) if n["level"] == 2]
    assert second == ["(一)", "(二)", "(三)", "(四)", "(五)", "(六)", "(七)", "(八)", "(九)", "(十)"]
    assert data["levels"] == ["一级指标", "二级指标", "三级指标", "四级指标"]


@pytest.mark.parametrize("fixture", ["county", "department"])
def test_texts_free_of_ocr_errors_and_split_words(fixture, request):
    data = request.getfixturevalue(fixture)
    texts = [cp["text"] for cp in checkpoints(data)] + [n["title"] for n in walk(data["indicators"])]
    for text in texts:
        assert not re.search(r"\s", text), text
        for wrong in ("公升", "幵", "釆"):
            assert wrong not in text, text
    joined = "".join(texts)
    assert "采取有效措施保管并妥善处理" in joined
    assert "开设及运维情况" in joined


def test_county_sample_texts(county):
    cps = {cp["code"]: cp["text"] for cp in checkpoints(county)}
    assert cps["C01"] == "是否建立健全利益相关方、公众代表、专家、媒体等列席政府有关会议的制度以及制度的落实情况。"
    assert cps["C08"] == "是否严格落实个人信息保护有关规定,对因新冠肺炎疫情防控工作需要收集的个人信息,是否采取有效措施保管并妥善处理。"
    assert cps["C14"] == "特别重大、重大突发事件的政务舆情,是否在5小时内发布权威信息、24小时内举行新闻发布会;其他政务舆情是否在48小时内予以回应。"
    assert cps["C18"] == "是否公布县级清理规范的行政备案事项清单。"
    assert cps["C25"] == "网站是否存在高危漏洞(如SQL注入漏洞、XSS漏洞、网站组件漏洞、安全配置漏洞等)且造成重大影响的情况。"
    assert cps["C26"] == "年底前,本级政府门户网站是否全部支持互联网协议第六版。"
    assert cps["C36"] == "按要求组织、推进所辖县区基层政务公开标准化规范化的工作情况。"


def test_department_sample_texts(department):
    cps = {cp["code"]: cp["text"] for cp in checkpoints(department)}
    assert cps["C13"].startswith("对涉及本部门本系统的重要政务舆情")
    assert cps["C15"] == "是否在政府网站、政务新媒体、新闻媒体等平台多渠道进行回应。"
    assert cps["C29"] == "是否建立为市政府公报提供文件的工作制度。"
    assert cps["C30"] == "为市政府公报提供文件的情况。"
    assert cps["C36"] == "按要求指导、推进相应领域基层政务公开标准化规范化的工作情况。"


def test_branch_specific_indicators(county, department):
    county_titles = {(n["numbering"], n["title"]) for n in walk(county["indicators"])}
    dept_titles = {(n["numbering"], n["title"]) for n in walk(department["indicators"])}
    assert ("", "支持互联网协议第六版") in county_titles
    assert ("(九)", "制度建设情况") in county_titles
    assert ("", "支持互联网协议第六版") not in dept_titles
    assert ("(九)", "制度建设情况") not in dept_titles
    gazette = next(n for n in walk(department["indicators"]) if n["title"] == "政府公报")
    assert gazette["numbering"] == "(八)"
    assert sum(len(n["checkpoints"]) for n in walk([gazette])) == 2
    assert not any(n["title"] == "政府公报" for n in walk(county["indicators"]))


@pytest.mark.parametrize("fixture", ["county", "department"])
def test_level_absent_on_a_branch(fixture, request):
    """行政审批制度改革信息公开 is a 三级 indicator with its points directly below it (no 四级)."""
    data = request.getfixturevalue(fixture)
    node = next(n for n in walk(data["indicators"]) if n["title"] == "行政审批制度改革信息公开")
    assert node["level"] == 3 and node["children"] == [] and len(node["checkpoints"]) == 2


def test_demo_is_idempotent(db):
    from pinggu.frameworks.models import Checkpoint, Framework

    call_command("demo", "--password", "Demo-Passw0rd!")
    counts = (Framework.objects.count(), Checkpoint.objects.count())
    call_command("demo", "--password", "Demo-Passw0rd!")
    # the two bundled checklists and their scored copies of the finished demo campaign (issue 10 §8)
    assert (Framework.objects.count(), Checkpoint.objects.count()) == counts == (4, 144)


def test_unit_kinds_are_extensible(db, capsys):
    from pinggu.campaigns import services as cs

    call_command("unitkind", "add", "township", "乡镇政府")
    unit = cs.create_unit(name="鱼河镇", kind="乡镇政府")
    assert unit.kind.code == "township"
    call_command("unitkind", "list")
    assert "township\t乡镇政府" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("unitkind", "add", "township", "重复")
