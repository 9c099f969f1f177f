"""Every framework that imports exports to xlsx and docx, and the export imports back to the same tree."""

import io

import pytest
from openpyxl import load_workbook

from pinggu.frameworks import exports, importing, services

from .workbooks import save, workbook_with

pytestmark = pytest.mark.django_db

POINTS_SHEET = [
    ["一级指标", "二级指标", "考核点", "分值", "采样方式", "扣分规则"],
    ["一、主动公开", "(一)重点领域", "财政预决算公开", 60, "材料", "每例扣2分"],
    [None, None, "政策解读", 30, "网站检查", None],
    [None, "(二)平台", "网站安全", 10, "其他", None],
]


def imported_points_framework():
    [data] = importing.read("清单.xlsx", save(workbook_with(POINTS_SHEET)), defaults={"code": "points-fw"})
    [fw] = importing.store([data])
    return fw


def test_xlsx_export_of_a_points_checklist(org_client):
    """Bug 8.2: the 采样方式 label was a lazy translation openpyxl cannot write (500)."""
    fw = imported_points_framework()
    response = org_client.get(f"/frameworks/{fw.code}/export.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert "采样方式" in [c.value for c in ws[2]]
    assert [ws.cell(row=r, column=5).value for r in (3, 4, 5)] == ["材料", "网站检查", "其他"]
    assert org_client.get(f"/frameworks/{fw.code}/export.docx").status_code == 200


def test_notice_attachment_xlsx_of_a_points_checklist(client, organizer):
    """Bug 8.2: /campaigns/<id>/notice/<kind>.xlsx failed the same way for a campaign using such a checklist."""
    from datetime import timedelta

    from django.utils import timezone

    from pinggu.campaigns import services as cs

    fw = services.publish(imported_points_framework())
    now = timezone.now()
    campaign = cs.create_campaign(title="计分测试", year=2020, opens_at=now, deadline=now + timedelta(days=7),
                                  frameworks={fw.unit_kind.code: fw.code})
    client.force_login(organizer)
    for fmt in ("xlsx", "docx"):
        response = client.get(f"/campaigns/{campaign.pk}/notice/{fw.unit_kind.code}.{fmt}")
        assert response.status_code == 200, fmt


# --- Property: export to xlsx and docx, import back, same tree --------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from pinggu.frameworks.importing import normalise_texts  # noqa: E402
from pinggu.frameworks.text import clean_text, split_numbering  # noqa: E402
from pinggu.site import demo  # noqa: E402

from .workbooks import notice_sheet  # noqa: E402

HAN = "政府信息公开主动依申请解读回应平台建设组织保障的是否网站新媒体"
WORD = st.text(alphabet=st.sampled_from(HAN + "，、。（）《》“”：；"), min_size=1, max_size=20)
LATIN = st.sampled_from(["", "IPv6", "SQL注入", "XSS", "12345", "App", "1,000", "3.5"])
SCORE = st.one_of(st.none(), st.integers(0, 10000).map(lambda c: schema_out(c)))


def schema_out(cents):
    from decimal import Decimal

    from pinggu.frameworks.schema import out_number

    return out_number(Decimal(cents) / 100)


def split_100(n, draw):
    raw = [draw(st.integers(1, 100)) for _ in range(n)]
    cents = [10000 * r // sum(raw) for r in raw]
    cents[-1] += 10000 - sum(cents)
    return [schema_out(c) for c in cents]


@st.composite
def excel_frameworks(draw):
    """Frameworks as a checklist table can carry them: texts as the importer leaves them (no stray spaces,
    numbering split off), indicator codes by position, rules that say how many points they take."""
    counter = {"n": 0, "cp": 0}
    custom_codes = draw(st.booleans())

    def text():
        counter["n"] += 1
        value = draw(WORD) + draw(LATIN) + draw(WORD) + str(counter["n"])  # unique: a repeated text reads as "same as above"
        return clean_text(value)

    def rules():
        out = []
        for _ in range(draw(st.integers(0, 2))):
            points = draw(st.sampled_from(["1", "2", "0.5", "10"]))
            out.append({"text": clean_text(draw(WORD).replace("扣", "").replace("；", "") + f"每例扣{points}分"), "points": schema_out(int(float(points) * 100))})
        return out

    def checkpoints():
        n = draw(st.integers(1, 3))
        weights = split_100(n, draw) if draw(st.booleans()) else [None] * n
        out = []
        for i in range(n):
            counter["cp"] += 1
            out.append({
                "code": f"K{counter['cp']}" if custom_codes else None,
                "text": text(), "points": draw(SCORE), "weight": weights[i],
                "sampling": draw(st.sampled_from(["material", "website", "other"])),
                "hint": draw(st.one_of(st.just(""), WORD.map(clean_text))),
                "deduction_rules": rules(), "bonus": draw(st.booleans()), "veto": draw(st.booleans()),
            })
        return out

    def indicators(level, depth):
        n = draw(st.integers(1, 3))
        weights = split_100(n, draw) if draw(st.booleans()) else [None] * n
        out = []
        for i in range(n):
            numbering = draw(st.sampled_from(["", "一、", "(二)", "（三）", "4."]))
            title = text()
            assert split_numbering(numbering + title) == (numbering, title)
            leaf = depth >= 2 or draw(st.booleans())
            node = {"code": None, "numbering": numbering, "level": level, "title": title, "weight": weights[i],
                    "points": draw(SCORE), "deduction_cap": None, "note": "",
                    "children": [] if leaf else indicators(level + draw(st.integers(1, 2)), depth + 1)}
            node["checkpoints"] = checkpoints() if leaf else []
            out.append(node)
        return out

    roots = indicators(1, 0)

    def number(nodes, prefix):
        for i, node in enumerate(nodes, 1):
            node["code"] = f"{prefix}{i}"
            number(node["children"], f"{node['code']}.")

    number(roots, "")
    n = 0

    def cps(nodes):
        nonlocal n
        for node in nodes:
            cps(node["children"])
            for cp in node["checkpoints"]:
                n += 1
                cp["code"] = cp["code"] or f"C{n:02d}"

    cps(roots)
    return {
        "code": "prop-excel", "name": clean_text(draw(WORD) + "清单"), "year": 2020, "unit_kind": "county",
        "version": 1, "status": "draft", "scoring_mode": draw(st.sampled_from(["none", "points", "weights"])),
        "total_points": 100, "grade_bands": [], "levels": [], "description": "", "indicators": roots,
    }


def layout_tree(data):
    """What a checklist table carries: the name, and per node its code, numbering, level, title and scores;
    per point its code, text, scores, sampling, 说明, rules and flags."""
    def cp(c):
        return {k: c.get(k) for k in ("code", "text", "points", "weight", "sampling", "hint", "deduction_rules", "bonus", "veto")}

    def node(n):
        return {**{k: n.get(k) for k in ("code", "numbering", "level", "title", "weight", "points")},
                "children": [node(c) for c in n["children"]], "checkpoints": [cp(c) for c in n["checkpoints"]]}

    return {"name": data["name"], "indicators": [node(n) for n in data["indicators"]]}


def reimport(body, fmt, data):
    buffer = io.BytesIO(body)
    result = importing.read(f"export.{fmt}", buffer, defaults={"code": data["code"], "year": data["year"], "unit_kind": data["unit_kind"]},
                            accept_points_mismatch=True)
    assert [w for w in result.warnings if w["code"] != "points_mismatch"] == []  # nothing of the export left out
    [again] = result
    return again


def assert_round_trip(data):
    """`data` has imported (and is stored): its xlsx and docx exports import back to the same tree."""
    for fmt, body in (("xlsx", exports.to_xlsx(data)), ("docx", exports.to_docx(data))):
        assert layout_tree(reimport(body, fmt, data)) == layout_tree(data), fmt


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=excel_frameworks())
def test_every_importable_framework_exports_and_imports_back(data):
    data = normalise_texts(data)  # as an import leaves it, by default
    services.Framework.objects.filter(code=data["code"]).delete()
    stored = services.to_dict(services.create_framework(data))
    assert layout_tree(stored) == layout_tree(data)
    assert_round_trip(stored)


@pytest.mark.parametrize("merged", [True, False], ids=["merged-cells", "blank-means-same-as-above"])
@pytest.mark.parametrize("which", [0, 1], ids=["county", "department"])
def test_excel_variants_export_and_import_back(merged, which):
    wb = Workbook()
    notice_sheet(wb.active, demo.bundled_frameworks()[which], merged=merged)
    [data] = importing.read("清单.xlsx", save(wb), defaults={"code": "variant"})
    assert_round_trip(services.to_dict(importing.store([data])[0]))


def test_bundled_checklists_export_and_import_back(bundled):
    for fw in bundled:
        assert_round_trip(services.to_dict(fw))


def test_points_workbook_exports_and_imports_back():
    assert_round_trip(services.to_dict(imported_points_framework()))


def test_formula_like_text_stays_text_and_reads_back():
    """A text beginning with = + - @ is written as text (never a formula), and reads back without a stray apostrophe."""
    rows = [["一级指标", "考核点", "说明"], ["一、公开", "甲", "乙"], [None, "丙", "丁"]]
    [data] = importing.read("x.xlsx", save(workbook_with(rows)))
    first, second = data["indicators"][0]["checkpoints"]
    first.update(text="=1+1", hint="-5分")
    second.update(text="@SUM(A1)", hint="+86")
    stored = services.to_dict(importing.store([data])[0])
    body = exports.to_xlsx(stored)
    ws = load_workbook(io.BytesIO(body)).active
    cell = ws["B3"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)
    assert_round_trip(stored)


def test_control_characters_refused_on_import():
    """Excel and Word cannot hold them, so a framework carrying one could never be exported."""
    body = ("code: ctl\nname: 清单\nyear: 2020\nunit_kind: county\nindicators:\n- code: '1'\n  title: \"公开\\x07\"\n"
            "  checkpoints:\n  - code: C01\n    text: 甲\n").encode()
    with pytest.raises(services.FrameworkError) as caught:
        importing.read("x.yaml", io.BytesIO(body))
    assert "非法字符" in caught.value.problems[0]["message"]
