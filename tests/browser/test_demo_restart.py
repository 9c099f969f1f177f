"""Issue 8, bug 1 in a real browser: a unit changes its demo password, the organizer restarts with
`make run` (which calls `pinggu demo` as the Makefile says), and the new password still works."""

import re

import pytest
from django.core.management import call_command

from ..site.test_demo import make_run_demo_args
from .steps import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_restart_keeps_the_password_a_unit_chose(page):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    args, demo_password = make_run_demo_args()
    call_command("demo", *args)

    # The unit's demo account asks for a new password at the first login.
    login(page, "yyq", demo_password)
    page.wait_for_url(re.compile(r"/accounts/password/"))
    page.fill("#id_old_password", demo_password)
    page.fill("#id_new_password1", "Yuyang-own-2020")
    page.fill("#id_new_password2", "Yuyang-own-2020")
    page.click("button:has-text('保存新密码')")
    page.wait_for_url(re.compile(r"/campaigns/"))
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/accounts/login/"))

    call_command("demo", *args)  # the restart

    login(page, "yyq", demo_password)
    page.wait_for_selector(".alert-danger")
    assert "/accounts/login/" in page.url
    login(page, "yyq", "Yuyang-own-2020")
    # The unit is in two demo campaigns (this year's and last year's finished one): it lands on their list.
    page.wait_for_url(re.compile(r"/campaigns/"))
    page.wait_for_selector("text=2020年全市政务公开绩效评估")
    # The page links its icon, and /favicon.ico answers for the tools that ask anyway.
    assert page.locator("link[rel=icon]").count() >= 1
    assert page.request.get("/favicon.ico").ok
    assert missing == []
