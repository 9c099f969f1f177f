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
