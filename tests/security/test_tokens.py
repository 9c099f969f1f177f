"""Issue 7, finding 9: API tokens can be revoked, by the API and from the user's page; logout says what it leaves."""

import pytest
from django.test import Client

from pinggu.accounts.models import ApiToken, AuditEvent

from ..conftest import token_for

pytestmark = pytest.mark.django_db


def test_delete_revokes_the_calling_token_only(client, world):
    first, second = token_for(client, "sub-a"), token_for(client, "sub-a")
    r = client.delete("/api/v1/auth/token", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert r.status_code == 200 and r.json() == {"revoked": 1}
    assert client.get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 401
    assert client.get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200
    assert AuditEvent.objects.filter(action="api_token_revoke", actor=world.sub_a).exists()


def test_user_page_lists_and_revokes_own_tokens(client, world):
    mine = token_for(client, "sub-a")
    theirs = token_for(client, "sub-b")
    client.force_login(world.sub_a)
    page = client.get("/accounts/tokens/").content.decode()
    assert page.count('name="token" value="') == 2  # one token, plus "all"
    other = ApiToken.objects.get(user=world.sub_b)
    client.post("/accounts/tokens/", {"token": other.pk})  # someone else's id: nothing happens to it
    assert client.get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {theirs}").status_code == 200
    client.post("/accounts/tokens/", {"token": "all"})
    assert Client().get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {mine}").status_code == 401


def test_web_logout_says_tokens_stay_valid(client, world):
    token_for(client, "sub-a")
    client.force_login(world.sub_a)
    page = client.post("/accounts/logout/", follow=True).content.decode()
    assert "API 令牌仍然有效" in page
