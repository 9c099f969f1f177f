"""Issue 8, point 18: pages link an icon, and /favicon.ico answers instead of a 404."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_is_linked_and_answered(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/pinggu/favicon.svg"' in page
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_favicon_is_reachable_before_the_first_password_change(client, world):
    world.sub_a.must_change_password = True
    world.sub_a.save()
    client.force_login(world.sub_a)
    assert client.get("/favicon.ico")["Location"].startswith("/static/")
