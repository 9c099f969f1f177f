"""Folder names in the evidence ZIP: a point's short name stays recognisable (issue 8 #16)."""

import io
import re
import unicodedata
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pinggu.evidence import services
from pinggu.exports.names import short_title, windows_safe

from ..conftest import PDF, upload_file


@pytest.mark.django_db
def test_c26_folder_keeps_more_than_the_first_clause(client, world):
    # C26 of the county checklist: "年底前,本级政府门户网站是否全部支持互联网协议第六版。"
    services.add_file(world.enrollment(world.a), "C26", upload_file("ipv6.pdf", PDF), user=world.sub_a)
    client.force_login(world.organizer)
    response = client.get(f"/campaigns/{world.campaign.pk}/export/evidence.zip")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    folder = next(n for n in names if n.endswith("/ipv6.pdf")).split("/")[1]
    assert folder.startswith("C26 年底前，本级政府门户网站"), folder
    assert folder != "C26 年底前"


def test_short_title_examples():
    assert short_title("年底前,本级政府门户网站是否全部支持互联网协议第六版。") == "年底前,本级政府门户网站是否全部支持互联"
    # A punctuation mark after eight characters is a better place to stop than the hard limit.
    assert short_title("是否建立健全政务新媒体管理相关工作制度,明确做好开设整合") == "是否建立健全政务新媒体管理相关工作制度"
    assert short_title("是否及时跟踪决策的实施情况,了解利益相关方和公众对决策实施的意见和建议。") == "是否及时跟踪决策的实施情况"
    assert short_title("网站是否支持IPv6协议。") == "网站是否支持IPv6协议"
    # Never in the middle of a Latin word: the word that would be cut is left out whole.
    assert short_title("本级政府门户网站是否全部支持 Internet Protocol") == "本级政府门户网站是否全部支持"
    assert short_title("") == ""
    assert short_title("。，；") == ""


PUNCT = "，,；;。：:（()）、！!？?“”《》 "
texts = st.text(alphabet=st.sampled_from(list("政务公开网站制度是否建立健全会议") + list(PUNCT) + list("abcXYZ019")), max_size=60)


def _is_punct(ch):
    return ch.isspace() or unicodedata.category(ch).startswith("P")


@given(texts)
def test_short_title_rules(text):
    limit = 20
    short = short_title(text, limit)
    flat = " ".join(text.split())
    assert len(short) <= limit
    assert flat.startswith(short)  # a prefix of the (whitespace-collapsed) text
    assert not short or not _is_punct(short[-1])  # never a trailing punctuation mark or space
    rest = flat[len(short):]
    if short and rest and re.match(r"[A-Za-z0-9]", rest) and re.search(r"[A-Za-z0-9]$", short):
        # Only a single Latin word longer than the limit may be cut.
        assert re.fullmatch(r"[A-Za-z0-9]+", short) and len(short) == limit
    kept_whole = flat
    while kept_whole and _is_punct(kept_whole[-1]):
        kept_whole = kept_whole[:-1]
    if len(flat) <= limit:
        assert short == kept_whole  # short enough: kept whole
    elif rest and not _is_punct(rest[0]) and not re.search(r"[A-Za-z0-9]$", short):
        # Cut at the limit only when no punctuation mark after the eighth character offered a stop.
        assert len(short) == limit or not any(_is_punct(c) for c in flat[8:limit + 1])


@given(texts, st.sampled_from(["C01", "C26", "1.2.3"]))
def test_folder_names_are_windows_safe(text, code):
    name = windows_safe(f"{code} {short_title(text)}", limit=60)
    assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', name)
    assert not name.endswith((".", " "))
    assert name.startswith(code)

