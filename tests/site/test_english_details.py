"""Issue 8, point 17: the English that the page-by-page check cannot see (joined words, dates, menu, unit kinds)."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from pinggu.lib.dates import cn_datetime, local_datetime

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "pinggu"


def english(client, user):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_no_text_is_built_by_joining_translated_fragments():
    """"改为" + state label became "Change toDraft": a sentence is one string with placeholders.

    A translated fragment glued to a value (no space, no placeholder) is that mistake; a label followed
    by a separator translated with a context ("：" after a label) is not a sentence and is allowed."""
    glued = re.compile(r"""\{% translate ["'][^"']*["'] %\}\{\{|\}\}\{% translate ["'][^"']*["'] %\}""")
    found = [f"{p.relative_to(TEMPLATES)}: {m.group(0)}" for p in TEMPLATES.rglob("*.html")
             for m in glued.finditer(p.read_text())]
    assert found == []


def test_state_buttons_read_as_one_phrase(client, world):
    page = english(client, world.organizer).get(f"/campaigns/{world.campaign.pk}/").content.decode()
    assert "Change to “Draft”" in page and "toDraft" not in page


def test_language_menu_names_each_language_in_itself(client, world):
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        page = client.get("/accounts/login/").content.decode()
        assert re.search(r'<option value="en" lang="en"[^>]*>English</option>', page)
        assert re.search(r'<option value="zh-hans" lang="zh-CN"[^>]*>简体中文</option>', page)
        assert "英语" not in page


def test_dates_follow_the_language_and_documents_stay_chinese(client, world):
    moment = datetime(2026, 11, 28, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with translation.override("en"):
        assert local_datetime(moment) == "28 Nov 2026 17:00"
        assert cn_datetime(moment) == "2026年11月28日 17:00"  # 公文 are Chinese whatever the page language
    with translation.override("zh-hans"):
        assert local_datetime(moment) == "2026年11月28日 17:00"
    world.campaign.deadline = moment
    world.campaign.save()
    english(client, world.organizer)
    assert "28 Nov 2026 17:00" in client.get("/campaigns/").content.decode()
    assert "28 Nov 2026 17:00" in client.get(f"/campaigns/{world.campaign.pk}/").content.decode()
    client.force_login(world.sub_a)
    workspace = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    assert "28 Nov 2026 17:00" in workspace and "年" not in re.sub(r"<[^>]+>", "", workspace.split("<table")[0])


def test_bundled_unit_kinds_have_english_labels_and_added_kinds_keep_their_name(client, world):
    from pinggu.frameworks.models import UnitKind

    UnitKind.objects.create(code="zone", name="开发区管委会", order=9)
    page = english(client, world.organizer).get("/campaigns/new/").content.decode()
    assert "Checklist for County governments" in page and "Checklist for 县级政府" not in page
    assert "Checklist for 开发区管委会" in page  # a kind the organizer added is data, shown as written
    with translation.override("zh-hans"):
        assert str(UnitKind.objects.get(code="county")) == "县级政府"
    assert UnitKind.objects.get(code="county").name == "县级政府"  # stored and exported as written


def test_documents_stay_chinese_in_english_mode(client, world):
    import io

    from openpyxl import load_workbook

    english(client, world.organizer)
    ws = load_workbook(io.BytesIO(client.get(f"/campaigns/{world.campaign.pk}/export/progress.xlsx").content)).worksheets[0]
    cells = {str(c) for row in ws.iter_rows(values_only=True) for c in row if c}
    assert "未开始" in cells and "Not started" not in cells
