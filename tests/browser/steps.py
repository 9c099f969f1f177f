"""Steps every browser story takes, written once."""

import re

from ..conftest import PASSWORD


def login(page, username, password=PASSWORD):
    """Fill in and send the login form (the story checks where it lands: a wrong password stays put)."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('登录')")


def logout(page):
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/accounts/login/"))
