"""A NUL character (which PostgreSQL cannot store in text) in a login is refused or recorded, never a 500."""

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/password"])
def test_nul_in_username_is_not_a_server_error(client, world, path):
    body = {"username": "a\u0000b", "password": "x\u0000y", "old_password": "x", "new_password": "y"}
    r = client.post(path, json.dumps(body), content_type="application/json")
    assert r.status_code in (400, 401), r.content
    r = client.post("/accounts/login/", {"username": "a\u0000b", "password": "x"})
    assert r.status_code in (200, 400)
