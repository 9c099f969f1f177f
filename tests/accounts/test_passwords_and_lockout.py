import json

import pytest
from django.conf import settings as project_settings

from pinggu.accounts.models import ApiToken, AuditEvent, Role
from pinggu.accounts.passwords import StrengthValidator

from ..conftest import PASSWORD, make_user, token_for

pytestmark = pytest.mark.django_db


OWASP_ARGON2ID = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.mark.argon2
def test_production_hasher_is_argon2id_at_owasp_minimum():
    assert project_settings.PASSWORD_HASHERS[0] == "pinggu.accounts.passwords.Argon2idHasher"


@pytest.mark.argon2
def test_passwords_stored_with_argon2(db):
    user = make_user("hashme")
    assert user.password.startswith(OWASP_ARGON2ID)


@pytest.mark.argon2
@pytest.mark.parametrize("way", ["form", "api"])
def test_hashes_with_djangos_default_parameters_verify_and_are_rehashed_at_login(client, way):
    """Accounts created before the change (Django's 100 MiB, 8 lanes) keep working; the next login rehashes."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from pinggu.accounts.models import User

    legacy = Argon2PasswordHasher()
    user = make_user("legacy1", role=Role.SUBMITTER)
    User.objects.filter(pk=user.pk).update(password=legacy.encode(PASSWORD, legacy.salt()))
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    before = user.password
    # A wrong password neither logs in nor touches the stored hash.
    assert client.post("/accounts/login/", {"username": "legacy1", "password": "Wrong-Passw0rd!"}).status_code == 200
    user.refresh_from_db()
    assert user.password == before
    if way == "form":
        assert client.post("/accounts/login/", {"username": "legacy1", "password": PASSWORD}).status_code == 302
    else:
        token_for(client, "legacy1")
    user.refresh_from_db()
    assert user.password.startswith(OWASP_ARGON2ID) and user.password != before
    assert user.check_password(PASSWORD) and not user.check_password("Wrong-Passw0rd!")


@pytest.mark.parametrize(
    "password,ok",
    [
        ("Short1!", False),              # too short
        ("alllowercase", False),         # one class
        ("lowercase123", False),         # two classes
        ("Lowercase123", True),          # three classes
        ("lower-case-1", True),          # lower, digit, symbol
        ("政务公开Abc123", True),
        ("zhangsan-Pass1", False),       # contains the username
    ],
)
def test_password_rules(password, ok):
    class U:
        username = "zhangsan"

    from django.core.exceptions import ValidationError

    if ok:
        StrengthValidator().validate(password, U())
    else:
        with pytest.raises(ValidationError):
            StrengthValidator().validate(password, U())


def api_login(client, username, password):
    return client.post("/api/v1/auth/token", json.dumps({"username": username, "password": password}), content_type="application/json")


def web_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_lockout_after_five_failures_web_and_api_alike(client, db):
    make_user("clerk", role=Role.VIEWER)
    for _attempt in range(3):
        assert api_login(client, "clerk", "Wrong-Passw0rd").status_code == 401
    assert web_login(client, "clerk", "Wrong-Passw0rd").status_code == 200  # form re-shown with the error
    assert web_login(client, "clerk", "Wrong-Passw0rd").status_code == 429  # the fifth failure locks
    locked_api = api_login(client, "clerk", PASSWORD)  # even the right password is refused now
    assert locked_api.status_code == 429
    body = locked_api.json()
    assert body["error"] == "locked_out" and "请于" in body["message"] and body["retry_at"]
    assert int(locked_api["Retry-After"]) == 15 * 60
    locked_web = web_login(client, "clerk", PASSWORD)
    assert locked_web.status_code == 429 and "请于" in locked_web.content.decode()
    assert AuditEvent.objects.filter(action="login_failed").count() >= 5
    assert AuditEvent.objects.filter(action="lockout").exists()


def test_lockout_is_per_account(client, db):
    make_user("clerk", role=Role.VIEWER)
    make_user("colleague", role=Role.VIEWER)
    for _ in range(5):
        api_login(client, "clerk", "Wrong-Passw0rd")
    assert api_login(client, "clerk", PASSWORD).status_code == 429
    assert api_login(client, "colleague", PASSWORD).status_code == 200  # same office IP, other account


def test_first_login_must_change_password_web(client, db):
    make_user("newunit", role=Role.VIEWER, must_change_password=True)
    response = web_login(client, "newunit", PASSWORD)
    assert response.status_code == 302
    assert client.get("/campaigns/").url == "/accounts/password/"
    weak = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert "至少 10 个字符" in weak.content.decode()
    client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "New-Passw0rd-1", "new_password2": "New-Passw0rd-1"})
    assert client.get("/campaigns/").status_code == 200


def test_first_login_must_change_password_api(client, db):
    make_user("newunit", role=Role.VIEWER, must_change_password=True)
    refused = api_login(client, "newunit", PASSWORD)
    assert refused.status_code == 403 and refused.json()["error"] == "password_change_required"
    weak = client.post("/api/v1/auth/password", json.dumps({"username": "newunit", "old_password": PASSWORD, "new_password": "newunit123A"}),
                       content_type="application/json")
    assert weak.status_code == 400 and weak.json()["error"] == "weak_password"
    wrong = client.post("/api/v1/auth/password", json.dumps({"username": "newunit", "old_password": "nope", "new_password": "New-Passw0rd-1"}),
                        content_type="application/json")
    assert wrong.status_code == 401
    ok = client.post("/api/v1/auth/password", json.dumps({"username": "newunit", "old_password": PASSWORD, "new_password": "New-Passw0rd-1"}),
                     content_type="application/json")
    assert ok.status_code == 200
    assert api_login(client, "newunit", "New-Passw0rd-1").status_code == 200


def test_password_change_ends_other_sessions_and_tokens(client, db):
    from django.test import Client

    user = make_user("clerk", role=Role.VIEWER)
    token = token_for(client, "clerk")
    other = Client()
    other.force_login(user)
    assert other.get("/campaigns/").status_code == 200
    me = Client()
    me.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    me.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "New-Passw0rd-1", "new_password2": "New-Passw0rd-1"})
    assert me.get("/campaigns/").status_code == 200  # this session stays
    assert other.get("/campaigns/").status_code == 302  # the other one is logged out
    assert client.get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


def test_idle_session_timeout_is_30_minutes(client, db):
    user = make_user("clerk", role=Role.VIEWER)
    client.force_login(user)
    client.get("/campaigns/")
    assert client.session.get_expiry_age() == 30 * 60
    assert project_settings.SESSION_SAVE_EVERY_REQUEST  # counted from the last request, not from login


def test_expired_token_refused(client, db):
    from datetime import timedelta

    from django.utils import timezone

    make_user("clerk", role=Role.VIEWER)
    token = token_for(client, "clerk")
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_logout_is_audited(client, db):
    user = make_user("clerk", role=Role.VIEWER)
    client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    client.post("/accounts/logout/")
    assert list(AuditEvent.objects.filter(actor=user).values_list("action", flat=True).order_by("at", "id")) == ["login", "logout"]


def test_weak_and_mismatched_password_reported_together(client, db):
    make_user("clerk", role=Role.VIEWER)
    client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    page = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abd"}).content.decode()
    assert "至少 10 个字符" in page and "两次输入的新密码不一致" in page


def test_api_schema_errors_name_the_fields(client, db):
    from ..conftest import token_for

    make_user("org2")
    token = token_for(client, "org2")
    response = client.post("/api/v1/campaigns", json.dumps({"title": 1}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    body = response.json()
    assert response.status_code == 400 and body["error"] == "invalid_request"
    assert "title" in body["message"] and "deadline" in body["message"] and body["errors"]


@pytest.mark.parametrize("weak", ["          a1", "aaaaaaaaaaaaaaaaaaA1!", "Password1!", "\t\t\t\t\t\t\t\tAb1"])
def test_spaces_repeats_and_common_passwords_are_refused(weak):
    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        password_validation.validate_password(weak)


def test_demo_password_obeys_the_policy(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="密码"):
        call_command("demo", password="a")


@pytest.mark.django_db
def test_failures_from_one_address_do_not_lock_the_account_elsewhere(client):
    from django.test import Client

    make_user("admin2")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(project_settings.AXES_FAILURE_LIMIT + 1):
        attacker.post("/accounts/login/", {"username": "admin2", "password": "wrong-Passw0rd!"})
    assert attacker.post("/accounts/login/", {"username": "admin2", "password": PASSWORD}).status_code == 429
    office = Client(REMOTE_ADDR="198.51.100.20")
    response = office.post("/accounts/login/", {"username": "admin2", "password": PASSWORD})
    assert response.status_code == 302


def test_behind_the_proxy_the_client_is_the_address_nginx_added(client, db, settings):
    """Behind nginx every request comes from 127.0.0.1: the audit log and the lockout counters must see the client
    nginx names in X-Forwarded-For (or one office's mistakes would lock out the whole province), and only then."""
    from axes.models import AccessAttempt
    make_user("clerk", role=Role.VIEWER)
    settings.BEHIND_HTTPS_PROXY, settings.FORWARDED_ALLOW_IPS = True, ["127.0.0.1"]
    for _ in range(5):
        client.post("/api/v1/auth/token", json.dumps({"username": "clerk", "password": "Wrong-Passw0rd"}),
                    content_type="application/json", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert set(AuditEvent.objects.filter(action="login_failed").values_list("ip", flat=True)) == {"198.51.100.7"}
    other_office = client.post("/api/v1/auth/token", json.dumps({"username": "clerk", "password": PASSWORD}),
                               content_type="application/json", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert other_office.status_code == 200
    # Not from the trusted proxy: the header is the client's own words and is ignored.
    seen = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()  # the log is append-only
    client.post("/api/v1/auth/token", json.dumps({"username": "clerk", "password": "Wrong-Passw0rd"}),
                content_type="application/json", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert AuditEvent.objects.get(action="login_failed", pk__gt=seen).ip == "192.0.2.10"
