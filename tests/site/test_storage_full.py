"""A full disk answers 503 with a clear Chinese message (HTML on the web, JSON on the API), not a bare 500."""

import errno
import gc
import io
import logging
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from pinggu import urls as site_urls

from ..conftest import PDF, make_user

pytestmark = pytest.mark.django_db

MESSAGE = "服务器存储空间不足，文件未保存，请稍后再试或联系组织单位。"


def _full_disk(request):
    with open("/dev/full", "wb") as fh:  # a real ENOSPC from the kernel
        fh.write(b"x")
        fh.flush()
    return HttpResponse("unreachable")


def _over_quota(request):
    raise OSError(errno.EDQUOT, "Disk quota exceeded")


def _sqlite_full(request):
    try:
        raise sqlite3.OperationalError("database or disk is full")
    except sqlite3.OperationalError as exc:
        raise OperationalError(*exc.args) from exc  # as Django's database wrapper raises it


def _other_os_error(request):
    raise OSError(errno.EACCES, "Permission denied")


urlpatterns = [
    path("full/", _full_disk),
    path("api/full/", _full_disk),
    path("quota/", _over_quota),
    path("sqlite/", _sqlite_full),
    path("other/", _other_os_error),
    *site_urls.urlpatterns,  # the page links home through the site's named routes
]


@pytest.fixture
def full_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_web_page_says_storage_is_full(client, full_urls):
    response = client.get("/full/")
    assert response.status_code == 503
    page = response.content.decode()
    assert MESSAGE in page and "存储空间不足" in page and 'class="navbar' in page  # the site's own page


def test_api_answers_json(client, full_urls):
    response = client.get("/api/full/")
    assert response.status_code == 503
    assert response.json() == {"error": "storage_full", "message": MESSAGE}


def test_quota_and_sqlite_full_map_too_other_errors_do_not(client, full_urls):
    assert client.get("/quota/").status_code == 503
    assert client.get("/sqlite/").status_code == 503
    with pytest.raises(PermissionError):
        client.get("/other/")


def test_message_in_english(client, full_urls):
    response = client.get("/api/full/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"].startswith("The server is out of storage space")


@pytest.fixture
def tiny_disk():
    """A 64 KB tmpfs: a really full file system. Needs permission to mount (root on a normal machine)."""
    mount_point = Path(tempfile.mkdtemp(prefix="pinggu-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        mount_point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        # Lazy: a spooled upload's temp file may still be open in a traceback the client keeps.
        subprocess.run(["umount", "-l", str(mount_point)], check=True)
        mount_point.rmdir()


def _upload(client, world, size, accept=None):
    content = PDF + b"%" * size
    f = io.BytesIO(content)
    f.name = "大文件.pdf"
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    return client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/points/C01/upload/", {"file": f}, **headers)


def test_upload_to_a_full_disk(client, world, settings, tiny_disk):
    settings.MEDIA_ROOT = tiny_disk / "files"
    client.force_login(world.sub_a)
    response = _upload(client, world, 200 * 1024)
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    by_script = _upload(client, world, 200 * 1024, accept="application/json")  # how the workspace uploads
    assert by_script.status_code == 503 and by_script.json()["message"] == MESSAGE


def test_full_temp_dir_before_the_view_runs(world, settings, tiny_disk, monkeypatch):
    # Uploads over 2 MB are spooled to FILE_UPLOAD_TEMP_DIR while the CSRF check reads the form,
    # before any view: the 500 handler gives the same answer.
    settings.FILE_UPLOAD_TEMP_DIR = tiny_disk
    # Django logs the error with its traceback, and the captured record would keep the half-written
    # temp file open until after the tmpfs is gone.
    monkeypatch.setattr(logging.getLogger("django.request"), "disabled", True)
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(make_user("sub-a2", role="submitter", unit=world.a))
    client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/")
    token = client.cookies["csrftoken"].value
    content = PDF + b"%" * (3 * 1024 * 1024)
    f = io.BytesIO(content)
    f.name = "大文件.pdf"
    response = client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/points/C01/upload/", {"file": f},
                           HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    # The half-written temp file is still referenced by the recorded exception; closing it
    # (which removes it) must happen before the tmpfs goes away.
    del response, client, f
    gc.collect()


def test_api_upload_to_a_full_disk(client, world, settings, tiny_disk):
    # The real API route: ninja catches the error itself, so the answer is decided in the API's
    # own failure handler, not by the site's middleware.
    from ..conftest import token_for

    settings.MEDIA_ROOT = tiny_disk / "files"
    token = token_for(client, "sub-a")
    f = io.BytesIO(PDF + b"%" * (200 * 1024))
    f.name = "大文件.pdf"
    response = client.post(f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/checkpoints/C01/evidence", {"file": f},
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 503
    assert response.json() == {"error": "storage_full", "message": MESSAGE}
