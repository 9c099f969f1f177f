import pytest

pytestmark = pytest.mark.django_db


def test_chinese_by_default_english_available(client, organizer, bundled):
    assert "登录 Pinggu" in client.get("/accounts/login/").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in to Pinggu" in english and 'lang="en"' in english
    client.force_login(organizer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/frameworks/"})
    page = client.get("/frameworks/yulin-2020-county/").content.decode()
    assert "Export to Excel" in page and "36 assessment points" in page
    assert "县级政府评估工作印证材料报送清单" in page  # the checklist itself stays as written


def test_api_errors_follow_the_language(client, db):
    zh = client.get("/api/v1/frameworks").json()
    en = client.get("/api/v1/frameworks", HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["error"] == en["error"] == "unauthorized"
    assert zh["message"].startswith("需要登录") and en["message"].startswith("Login required")


def test_error_pages_explain_in_chinese(client, db, settings):
    from django.test import Client

    from ..conftest import make_user

    missing = client.get("/no/such/page/")
    assert missing.status_code == 404 and "找不到这个页面" in missing.content.decode()
    client.force_login(make_user("unit-x", role="submitter", unit=None))
    forbidden = client.get("/frameworks/")
    assert forbidden.status_code == 403 and "没有权限访问此页面" in forbidden.content.decode()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user("org-x"))
    expired = strict.post("/frameworks/import/", {})
    assert expired.status_code == 403 and "页面已过期" in expired.content.decode()
