"""Issue 7, finding 5: an oversized request is refused on its Content-Length, before anyone reads the body."""

import io
import json

import pytest
from django.test import Client

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


class CountingInput(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, *args):
        chunk = super().read(*args)
        self.bytes_read += len(chunk)
        return chunk

    readline = None  # Django reads multipart bodies with read() only


def multipart(size):
    boundary = "----pinggu"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    body = head + b"%PDF-1.4\n" + b"0" * size + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)  # as in production: the CSRF middleware reads POST forms
    client.force_login(user)
    client.get("/campaigns/", follow=True)
    return client, client.cookies["csrftoken"].value


@pytest.mark.parametrize("route", ["web", "api"])
def test_oversized_upload_is_refused_unread(world, settings, route):
    world.campaign.max_file_bytes = 1024 * 1024
    world.campaign.save()
    body, ctype = multipart(3 * 1024 * 1024)
    stream = CountingInput(body)
    c = world.campaign.pk
    if route == "web":
        client, token = csrf_client(world.sub_a)
        url, headers = f"/campaigns/{c}/units/unit-a/points/C01/upload/", {"HTTP_X_CSRFTOKEN": token, "HTTP_ACCEPT": "application/json"}
    else:
        client = Client()
        token = client.post("/api/v1/auth/token", {"username": "sub-a", "password": PASSWORD}, content_type="application/json").json()["token"]
        url, headers = f"/api/v1/campaigns/{c}/units/unit-a/checkpoints/C01/evidence", {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    tmp_before = set(settings.FILE_UPLOAD_TEMP_DIR.iterdir())
    response = client.generic("POST", url, b"", content_type=ctype, **headers,
                              **{"wsgi.input": stream, "CONTENT_LENGTH": str(len(body))})
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "too_large"
    assert stream.bytes_read == 0
    assert set(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == tmp_before


def test_oversized_form_elsewhere_is_refused_unread(world, settings):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    client, token = csrf_client(world.organizer)
    body, ctype = multipart(2 * 1024 * 1024)
    stream = CountingInput(body)
    response = client.generic("POST", "/frameworks/import/", b"", content_type=ctype, HTTP_X_CSRFTOKEN=token,
                              **{"wsgi.input": stream, "CONTENT_LENGTH": str(len(body))})
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()
    assert stream.bytes_read == 0


def test_a_file_within_the_limit_still_arrives(world):
    client, token = csrf_client(world.sub_a)
    body, ctype = multipart(100 * 1024)
    response = client.generic("POST", f"/campaigns/{world.campaign.pk}/units/unit-a/points/C01/upload/", body,
                              content_type=ctype, HTTP_X_CSRFTOKEN=token, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content


@pytest.mark.django_db(transaction=True)
def test_oversized_upload_is_refused_in_words_by_the_development_server_too(world, live_server):
    """`Connection: close` is a hop-by-hop header, which WSGI forbids to applications: gunicorn honours it, but the
    development server (runserver, the live test server) answered 500. It is sent only where the server takes it."""
    import http.client
    from urllib.parse import urlsplit

    world.campaign.max_file_bytes = 1024 * 1024
    world.campaign.save()
    client = Client()
    token = client.post("/api/v1/auth/token", {"username": "sub-a", "password": PASSWORD},
                        content_type="application/json").json()["token"]
    body, ctype = multipart(2 * 1024 * 1024)
    where = urlsplit(live_server.url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.request("POST", f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/checkpoints/C01/evidence", body=body,
                     headers={"Content-Type": ctype, "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        assert response.status == 400
        assert json.loads(response.read())["error"] == "too_large"
    finally:
        conn.close()
