"""The result exports of issue 10 §6: scores.xlsx with numbers as numbers and the API's ranks and totals; the
per-unit report and the summary in Chinese, with charts, read back from the PDF LibreOffice makes of them."""

import io
import json
import warnings
import zipfile

import pdfplumber
import pytest
from openpyxl import load_workbook

from pinggu.exports import charts
from pinggu.reviews.services import publish_results

from ..conftest import make_user, token_for
from ..reviews.test_services import review_all, scored, to_reviewing  # noqa: F401  (fixture)
from .office import to_pdf

pytestmark = pytest.mark.django_db


def get(client, username, path):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, username)}"}
    return client.get(f"/api/v1/campaigns/{path}", **headers)


@pytest.fixture
def finished(scored):  # noqa: F811
    """甲县 89.11 良好 rank 1; 乙县 vetoed 55.78 不合格 rank 2; 丙县 not reviewed."""
    review_all(scored, 0, **{"a1-2": {"verdict": "fail", "reason": "无", "comment": "内部意见勿外传"}})
    review_all(scored, 1, **{"b-1": {"verdict": "fail", "reason": "否决"}})
    scored.unit_a_name = scored.units[0].name
    return scored


def test_scores_xlsx_numbers_are_numbers_and_equal_the_api(client, finished):
    response = get(client, "org", f"{finished.campaign.pk}/export/scores.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    api = {row["unit_code"]: row for row in get(client, "org", f"{finished.campaign.pk}/scores").json()["units"]}
    ranking = next(ws for ws in workbook.worksheets if ws.title.startswith("排名"))
    head = [c.value for c in ranking[1]]
    assert head[:4] == ["排名", "单位", "单位代码", "总分"] and any(str(h).startswith("一级 A") for h in head) \
        and any(str(h).startswith("二级 A1") for h in head)
    assert ranking.freeze_panes == "C2" and ranking.print_title_rows == "$1:$1"
    rows = {r[2]: r for r in ranking.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"u-a", "u-b", "u-c"}
    for code, row in rows.items():
        assert (row[0], row[3], row[6] or None) == (api[code]["rank"], api[code]["total"], api[code]["grade"])
    assert isinstance(rows["u-a"][3], float) and rows["u-a"][3] == 89.11
    a_col = head.index(next(h for h in head if str(h).startswith("二级 A1")))
    assert rows["u-a"][a_col] == 20.0  # A1: 30 − min(10, 18 + 10)
    deductions = workbook["扣分明细"]
    lines = list(deductions.iter_rows(min_row=2, values_only=True))
    a11 = next(r for r in lines if r[1] == "u-a" and r[2] == "a1-1")
    assert (a11[4], a11[5]) == (9, 20) and all(isinstance(v, int | float) for v in a11[4:6])
    assert "每例扣2分 × 3" in a11[6] and a11[7] == "三处未公开"
    assert "内部意见勿外传" not in str(lines)


def test_evaluator_sees_only_assigned_units_in_the_spreadsheet(client, finished):
    body = get(client, "eva2", f"{finished.campaign.pk}/export/scores.xlsx").content
    ranking = load_workbook(io.BytesIO(body)).worksheets[0]
    assert [r[2] for r in ranking.iter_rows(min_row=2, values_only=True)] == ["u-a"]


def test_unit_report_only_after_publication_and_with_rank_only_when_published(client, finished, tmp_path):
    path = f"{finished.campaign.pk}/units/u-a/report.docx"
    assert get(client, "sub-u-a", path).status_code == 404
    assert get(client, "sub-u-b", f"{finished.campaign.pk}/units/u-a/report.docx").status_code == 404
    to_reviewing(finished.campaign)
    publish_results(finished.campaign, user=finished.organizer, publish_ranking=True, force=True)
    assert get(client, "sub-u-b", path).status_code == 404
    response = get(client, "sub-u-a", path)
    assert response.status_code == 200
    with pdfplumber.open(to_pdf(response.content, tmp_path, "report")) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "").replace("\n", "")
    for expected in ("甲县计分任务评估报告", "总分89.11分", "等次为“良好”", "排名第1位", "失分原因：三处未公开",
                     "整改建议：", "每例扣2分×3", "评估人员", "eva1"):
        assert expected in text, expected
    assert "内部意见勿外传" not in text


def test_reports_zip_has_one_report_per_unit(client, finished):
    response = get(client, "org", f"{finished.campaign.pk}/export/reports.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["u-a-甲县-评估报告.docx", "u-b-乙县-评估报告.docx", "u-c-丙县-评估报告.docx"]


def test_summary_pdf_shows_chinese_and_the_charts(client, finished, tmp_path):
    response = get(client, "org", f"{finished.campaign.pk}/export/summary.docx")
    assert response.status_code == 200
    with pdfplumber.open(to_pdf(response.content, tmp_path, "summary")) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "").replace("\n", "")
        images = [image for page in pdf.pages for image in page.images]
        lines = [(page.page_number, line["top"], line["text"].replace(" ", "")) for page in pdf.pages
                 for line in page.extract_text_lines()]
    for expected in ("计分任务评估结果汇总", "总体情况", "共有3家单位参评", "得分分布", "各指标平均得分", "排名情况",
                     "主要失分问题", "甲县", "89.11"):
        assert expected in text, expected
    assert len(images) == 2  # the distribution and the per-indicator averages
    # drawn whole, not clipped to the body's fixed line height: the chart takes its room before the next heading
    (page_a, top_a), (page_b, top_b) = [(p, top) for p, top, text in lines if text.startswith(("二、得分分布", "三、"))]
    assert page_b > page_a or top_b - top_a > 150, (top_a, top_b)


def test_charts_draw_chinese_with_the_vendored_font_and_no_missing_glyph():
    from matplotlib import font_manager

    family = charts.font_family()
    assert font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False) == str(charts.FONT_FILE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for a tofu box
        png = charts.indicator_averages([("A 政务公开标准化规范化", 45.5, 60.0), ("B 重点领域信息公开", 30.0, 40.0)])
        charts.distribution([89.11, 55.78, 92.0])
    assert png.startswith(b"\x89PNG")


def test_staff_only_for_the_bulk_exports(client, finished):
    make_user("boss", role="viewer")
    for path in ("export/scores.xlsx", "export/reports.zip", "export/summary.docx"):
        assert get(client, "sub-u-a", f"{finished.campaign.pk}/{path}").status_code == 403
        assert get(client, "boss", f"{finished.campaign.pk}/{path}").status_code == 403


def test_exports_are_audited(client, finished):
    from pinggu.accounts.models import AuditEvent

    get(client, "org", f"{finished.campaign.pk}/export/scores.xlsx")
    get(client, "org", f"{finished.campaign.pk}/units/u-a/report.docx")
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"export_scores", "export_report"}
    assert json.dumps(list(AuditEvent.objects.filter(action="export_report").values_list("details", flat=True)))


def test_campaign_page_links_the_result_exports_and_they_download(client, finished):
    client.force_login(finished.organizer)
    page = client.get(f"/campaigns/{finished.campaign.pk}/").content.decode()
    assert f'href="/campaigns/{finished.campaign.pk}/export/scores.xlsx"' in page
    # the long ones are built in the background from the page (test_export_jobs); their direct links still answer
    assert 'value="reports_zip"' in page and 'value="summary_docx"' in page
    for name in ("scores.xlsx", "reports.zip", "summary.docx"):
        assert client.get(f"/campaigns/{finished.campaign.pk}/export/{name}").status_code == 200
    assert client.get(f"/campaigns/{finished.campaign.pk}/units/u-a/report.docx").status_code == 200
    client.force_login(finished.subs[0])
    assert client.get(f"/campaigns/{finished.campaign.pk}/units/u-a/report.docx").status_code == 404


def test_scores_xlsx_rectification_sheets_agree_with_the_api(client, finished):
    from datetime import datetime

    from pinggu.reviews.rectification import record_rectification

    to_reviewing(finished.campaign)
    publish_results(finished.campaign, user=finished.organizer, publish_ranking=True, force=True)
    unit_a = finished.campaign.enrollments.get(unit__code="u-a")
    record_rectification(unit_a, "a1-1", user=finished.subs[0], measures="已补充公开三项", done=True)
    record_rectification(unit_a, "a1-2", user=finished.subs[0], measures="=HYPERLINK(\"x\")", done=False)
    body = get(client, "org", f"{finished.campaign.pk}/export/scores.xlsx").content
    workbook = load_workbook(io.BytesIO(body))
    sheet = workbook["整改情况"]
    assert [c.value for c in sheet[1]] == ["单位", "单位代码", "考核点", "考核内容", "失分", "整改措施", "是否完成", "完成日期"]
    assert sheet.freeze_panes == "C2" and sheet.print_title_rows == "$1:$1"
    rows = {(r[1], r[2]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    scores = {r[1]: r for r in workbook["扣分明细"].iter_rows(min_row=2, values_only=True) if r[1] == "u-a"}
    assert {code for unit, code in rows if unit == "u-a"} == {r[2] for r in workbook["扣分明细"].iter_rows(min_row=2, values_only=True)
                                                             if r[1] == "u-a"}
    a11 = rows[("u-a", "a1-1")]
    assert a11[4] == 11 and isinstance(a11[4], int | float)  # 20 − 9
    assert (a11[5], a11[6]) == ("已补充公开三项", "是") and isinstance(a11[7], datetime)
    a12 = rows[("u-a", "a1-2")]
    assert a12[5].startswith("'=") and (a12[6], a12[7]) == ("否", None)  # a formula stays text
    assert all(r[5] is None or r[5] == "" for key, r in rows.items() if key[0] == "u-b")
    assert scores  # 甲县 lost points
    rates = workbook["整改率"]
    assert rates.freeze_panes == "C2" and rates.print_title_rows == "$1:$1"
    by_code = {r[1]: r for r in rates.iter_rows(min_row=2, values_only=True)}
    api = {u["unit_code"]: u for u in get(client, "org", f"{finished.campaign.pk}/rectification").json()["units"]}
    for code in ("u-a", "u-b", "u-c"):
        assert (by_code[code][2], by_code[code][3], by_code[code][4]) == (api[code]["lost"], api[code]["done"], api[code]["rate"])
    assert isinstance(by_code["u-a"][4], float) and rates.cell(row=2, column=5).number_format == "0.0%"
    total = by_code[None]
    assert total[0] == "合计" and total[2] == sum(u["lost"] for u in api.values()) and total[3] == 1
