"""Issue 8, point 20 (and the browser part of 17): the main pages of every role, in Chinese and in English.

The `page` fixture runs axe-core (WCAG 2.1 A/AA) on every page loaded and fails the test listing any
violation; in English, no page shows Chinese interface text (the world's user data is ASCII only).
"""

import pytest
from django.test import Client

from pinggu.campaigns.models import EvaluatorAssignment

from ..site.test_english_pages import ascii_world, chinese_in  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages_of(role, values):
    c, u, ev = values["pk"], values["unit"], values["evidence_id"]
    staff = ["/", "/campaigns/", f"/campaigns/{c}/", f"/campaigns/{c}/progress/", f"/campaigns/{c}/matrix/",
             f"/campaigns/{c}/notice/", "/frameworks/", "/frameworks/yulin-2020-county/", f"/campaigns/{c}/units/{u}/",
             "/accounts/password/", "/accounts/tokens/"]
    return {
        "org": staff + ["/campaigns/units/", "/campaigns/units/new/", f"/campaigns/units/{u}/", "/campaigns/new/",
                        f"/campaigns/{c}/edit/", f"/campaigns/{c}/remind/", f"/campaigns/{c}/reminders/{values['batch']}/",
                        f"/campaigns/{c}/deleted/", f"/campaigns/{c}/export/", "/frameworks/import/", "/accounts/users/",
                        "/accounts/users/new/", "/accounts/audit/", f"/campaigns/{c}/units/{u}/submit/"],
        "eva": staff + [f"/campaigns/{c}/export/"],
        "boss": staff,
        "sub_a": ["/", "/campaigns/", f"/campaigns/{c}/", f"/campaigns/{c}/notice/", f"/campaigns/{c}/units/{u}/",
                  f"/campaigns/{c}/units/{u}/submit/", "/accounts/password/", "/accounts/tokens/"],
    }[role] + ([] if ev is None else [])


def log_in(page, live_server, user, language):
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
        {"name": "django_language", "value": language, "url": live_server.url},
    ])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_main_pages_of_every_role_are_accessible(page, live_server, ascii_world, axe_log, language):
    users, values = ascii_world
    EvaluatorAssignment.objects.get_or_create(campaign_id=values["pk"], user=users["eva"], unit=None)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto("/accounts/login/")
    chinese = {}
    for role in ("org", "eva", "boss", "sub_a"):
        log_in(page, live_server, users[role], language)
        for path in pages_of(role, values):
            response = page.goto(path)
            assert response.status == 200, f"{role} {path}: {response.status}"
            page.wait_for_load_state("load")
            assert page.locator("html").get_attribute("lang") == ("en" if language == "en" else "zh-CN")
            if language == "en":
                found = chinese_in(page.content())
                if found:
                    chinese[f"{role} {path}"] = found
    assert len(set(axe_log.pages)) >= 25
    assert chinese == {}, "Chinese interface text in English mode:\n" + "\n".join(f"{k}: {v}" for k, v in chinese.items())


def test_every_control_is_reachable_by_keyboard(page, live_server, ascii_world):
    """Tab reaches the navigation, the language menu and the page's buttons, each with a visible focus ring."""
    users, values = ascii_world
    log_in(page, live_server, users["org"], "zh-hans")
    page.goto(f"/campaigns/{values['pk']}/")
    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
            return {tag: e.tagName, text: (e.innerText || e.getAttribute('aria-label') || e.name || '').trim().slice(0, 40),
                    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 || s.boxShadow !== 'none'}; }""")
        if info["tag"] == "BODY":  # past the last control: focus leaves the page
            break
        seen.append(info)
        assert info["outline"], f"no visible focus on {info}"
    assert len(seen) >= 20, seen
    texts = " ".join(i["text"] for i in seen)
    assert "评估任务" in texts and "退出" in texts and "通知页" in texts
    assert any(i["tag"] == "SELECT" for i in seen)  # the language menu
    # Nothing that acts on click is a plain element out of the tab order.
    click_only = page.evaluate("""() => [...document.querySelectorAll('[onclick], [hx-get], [hx-post], [data-action]')]
        .filter(e => !['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA', 'FORM', 'LABEL'].includes(e.tagName) && e.tabIndex < 0)
        .map(e => e.outerHTML.slice(0, 120))""")
    assert click_only == []


def test_keyboard_browsing_a_select_does_not_leave_the_page(page, live_server, ascii_world):
    """WCAG 3.2.2: arrow keys move through the language menu's options; Enter applies the choice."""
    users, values = ascii_world
    log_in(page, live_server, users["org"], "zh-hans")
    page.goto("/campaigns/")
    page.focus("select[name=language]")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
