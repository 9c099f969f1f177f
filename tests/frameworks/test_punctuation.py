"""Issue 8, point 19: half-width punctuation in Chinese text becomes full-width, and nothing else changes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pinggu.frameworks.text import full_width_punctuation as fw

HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
HAN = st.sampled_from("政府信息公开主动依申请解读回应平台建设的是否一二三")
CHINESE_PUNCT = st.sampled_from("，；：（）、。《》“”")
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
MIXED = st.text(alphabet=st.one_of(HAN, CHINESE_PUNCT, ASCII, st.sampled_from(",;:?!()()  \n")), max_size=60)


@pytest.mark.parametrize(("before", "after"), [
    ("规定,对因疫情,是否", "规定，对因疫情，是否"),
    ("(一)主动公开", "（一）主动公开"),
    ("发布会;其他舆情", "发布会；其他舆情"),
    ("时间:2020年", "时间：2020年"),
    ("是否公开?", "是否公开？"),
    ("高危漏洞(如SQL注入漏洞、XSS漏洞等)且", "高危漏洞（如SQL注入漏洞、XSS漏洞等）且"),
    ("(一）", "（一）"),
    ("共1,000元,3.5分", "共1,000元，3.5分"),
    ("见 https://www.example.gov.cn/a,b?c=1:2 网站", "见 https://www.example.gov.cn/a,b?c=1:2 网站"),
    ("支持IPv6 support, yes", "支持IPv6 support, yes"),
    ("第六版(IPv6)", "第六版(IPv6)"),
    ("10:30开会", "10:30开会"),
    ("GB/T 9704-2012", "GB/T 9704-2012"),
])
def test_examples(before, after):
    assert fw(before) == after


@given(MIXED)
def test_idempotent(text):
    assert fw(fw(text)) == fw(text)


@given(MIXED)
def test_only_punctuation_changes(text):
    out = fw(text)
    assert len(out) == len(text)
    for a, b in zip(text, out):
        assert a == b or HALF_TO_FULL.get(a) == b


@given(st.text(alphabet=ASCII))
def test_ascii_text_untouched(text):
    assert fw(text) == text


@given(st.text(alphabet=st.one_of(HAN, CHINESE_PUNCT), min_size=1, max_size=10),
       st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9 .,;:?!/=&-]*[A-Za-z0-9])?", fullmatch=True),
       st.text(alphabet=st.one_of(HAN, CHINESE_PUNCT), min_size=1, max_size=10))
def test_ascii_run_inside_chinese_untouched(left, run, right):
    """An English phrase, a number, a code or a URL between Chinese words keeps every character."""
    out = fw(left + run + right)
    assert out[len(left):len(left) + len(run)] == run


# --- On import: default on, with a way to turn it off in the web form, the API and the CLI ---------------

from django.core.management import call_command  # noqa: E402

from pinggu.frameworks import importing, services  # noqa: E402

from .workbooks import save, workbook_with  # noqa: E402

ROWS = [["一级指标", "二级指标", "考核点", "说明"],
        ["一、政府信息公开", "(一)主动公开", "是否公开,是否解读;见https://example.gov.cn/a,b", "共1,000条:含3.5版"]]


def texts(data):
    level1 = data["indicators"][0]
    level2 = level1["children"][0]
    cp = level2["checkpoints"][0]
    return level2["numbering"], cp["text"], cp["hint"]


NORMALISED = ("（一）", "是否公开，是否解读；见https://example.gov.cn/a,b", "共1,000条：含3.5版")
KEPT = ("(一)", "是否公开,是否解读;见https://example.gov.cn/a,b", "共1,000条:含3.5版")


@pytest.mark.django_db
def test_import_normalises_by_default_and_can_keep():
    assert texts(importing.read("x.xlsx", save(workbook_with(ROWS)))[0]) == NORMALISED
    assert texts(importing.read("x.xlsx", save(workbook_with(ROWS)), normalise=False)[0]) == KEPT


@pytest.mark.django_db
def test_web_form_offers_it_ticked(org_client):
    page = org_client.get("/frameworks/import/").content.decode()
    assert 'name="normalise_punctuation" id="id_normalise_punctuation" checked' in page
    org_client.post("/frameworks/import/", {"file": save(workbook_with(ROWS)), "code": "kept"})  # unticked
    org_client.post("/frameworks/import/confirm/")
    assert texts(services.to_dict(services.get_framework("kept"))) == KEPT
    org_client.post("/frameworks/import/", {"file": save(workbook_with(ROWS)), "code": "normalised", "normalise_punctuation": "on"})
    org_client.post("/frameworks/import/confirm/")
    assert texts(services.to_dict(services.get_framework("normalised"))) == NORMALISED


@pytest.mark.django_db
def test_api_flag(org_api):
    on = org_api.post("/api/v1/frameworks/import", {"file": save(workbook_with(ROWS)), "code": "api-on"})
    assert on.status_code == 201 and texts(on.json()) == NORMALISED
    off = org_api.post("/api/v1/frameworks/import", {"file": save(workbook_with(ROWS)), "code": "api-off", "normalise_punctuation": "false"})
    assert off.status_code == 201 and texts(off.json()) == KEPT


@pytest.mark.django_db
def test_cli_flag(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(save(workbook_with(ROWS)).getvalue())
    call_command("framework", "import", str(path), "--code", "cli-on")
    call_command("framework", "import", str(path), "--code", "cli-off", "--keep-punctuation")
    assert texts(services.to_dict(services.get_framework("cli-on"))) == NORMALISED
    assert texts(services.to_dict(services.get_framework("cli-off"))) == KEPT
