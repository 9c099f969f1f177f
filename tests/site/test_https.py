"""HSTS when served over HTTPS, and X-Forwarded-Proto believed only when an HTTPS proxy is declared."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HSTS = "Strict-Transport-Security"


def _settings_under(tmp_path, **env) -> dict:
    """The settings module as a fresh process reads it from these environment variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PINGGU_")}
    code = ("import json; from pinggu import settings as s; "
            "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER]))")
    out = subprocess.run([sys.executable, "-c", code], env={**clean, "PINGGU_DATA_DIR": str(tmp_path), **env},
                         check=True, capture_output=True, text=True).stdout
    hsts, proxy = json.loads(out)
    return {"hsts": hsts, "proxy": proxy}


def test_environment_wiring(tmp_path):
    assert _settings_under(tmp_path) == {"hsts": 0, "proxy": None}
    assert _settings_under(tmp_path, PINGGU_SECURE_COOKIES="true") == {"hsts": 365 * 24 * 3600, "proxy": None}
    assert _settings_under(tmp_path, PINGGU_SECURE_COOKIES="true", PINGGU_HSTS_SECONDS="600")["hsts"] == 600
    assert _settings_under(tmp_path, PINGGU_BEHIND_HTTPS_PROXY="true")["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def _apply(settings, values: dict) -> None:
    # The values the environment produced in a fresh process, applied to this one's settings.
    settings.SECURE_HSTS_SECONDS = values["hsts"]
    settings.SECURE_PROXY_SSL_HEADER = tuple(values["proxy"]) if values["proxy"] else None


def test_https_answers_carry_hsts_when_secure_cookies_are_on(client, settings, tmp_path):
    _apply(settings, _settings_under(tmp_path, PINGGU_SECURE_COOKIES="true"))
    secure = client.get("/accounts/login/", secure=True)
    assert secure.status_code == 200
    assert secure[HSTS] == "max-age=31536000"
    assert HSTS not in client.get("/accounts/login/")  # plain HTTP: browsers ignore it there anyway
    # A client's own X-Forwarded-Proto does not make a plain request secure.
    assert HSTS not in client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    _apply(settings, _settings_under(tmp_path))
    # A new client: SecurityMiddleware reads its settings once, when the handler is built.
    assert HSTS not in Client().get("/accounts/login/", secure=True)


def test_forwarded_proto_believed_behind_a_declared_proxy(client, settings, tmp_path):
    _apply(settings, _settings_under(tmp_path, PINGGU_SECURE_COOKIES="true", PINGGU_BEHIND_HTTPS_PROXY="true"))
    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")[HSTS] == "max-age=31536000"
    assert HSTS not in client.get("/accounts/login/")
