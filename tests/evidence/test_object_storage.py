"""Object storage against a real S3 API server on loopback (moto in server mode), never a mock of boto3."""

import io
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
import zipfile
from datetime import timedelta
from urllib.parse import unquote

import boto3
import pytest

from pinggu import storage
from pinggu.accounts.models import AuditEvent
from pinggu.evidence import orphans, services
from pinggu.exports.models import Bundle

from ..conftest import PDF, upload_file, use_s3

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001"
                    "0d0a2db40000000049454e44ae426082")


def fetch(url, **headers):
    """A plain HTTP GET outside Django, as the browser follows the redirect."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as reply:
        return reply.status, reply.headers, reply.read()


@pytest.fixture
def presigned(settings, s3_server):
    return use_s3(settings, s3_server, presign=True)


def test_attachment_redirects_to_a_presigned_url_after_the_permission_check_and_audit(client, world, presigned, s3_server):
    content = PDF + b"% presigned"
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("政务 公开;说明\".pdf", content), user=world.sub_a)
    assert item.file.name.startswith("evidence/")
    assert presigned.exists(item.file.name)
    client.force_login(world.sub_b)  # another unit: refused before any URL is signed
    assert client.get(f"/evidence/{item.pk}/download/").status_code == 404
    assert not AuditEvent.objects.filter(action="download").exists()
    client.force_login(world.organizer)
    response = client.get(f"/evidence/{item.pk}/download/")
    assert response.status_code == 302 and response["Location"].startswith(s3_server + "/")
    assert "X-Amz-Expires=300" in response["Location"]
    assert AuditEvent.objects.filter(action="download", object_id=str(item.pk)).count() == 1
    status, headers, body = fetch(response["Location"])
    assert status == 200 and body == content
    assert headers["Content-Type"] == "application/pdf"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=utf-8''" in disposition
    assert unquote(disposition.split("filename*=utf-8''")[1]) == "政务 公开;说明\".pdf"


def test_preview_is_streamed_from_this_origin_with_the_sandbox(client, world, presigned):
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("图.png", PNG), user=world.sub_a)
    client.force_login(world.organizer)
    response = client.get(f"/evidence/{item.pk}/inline/")
    # S3 cannot send the sandbox CSP or nosniff, so a preview never leaves this origin.
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline") and "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PNG


def test_stream_when_presigning_is_off(client, world, settings, s3_server):
    use_s3(settings, s3_server, presign=False)
    content = PDF + b"% streamed"
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("甲.pdf", content), user=world.sub_a)
    client.force_login(world.organizer)
    response = client.get(f"/evidence/{item.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response["Content-Length"] == str(len(content)) and response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_bundle_resumes_from_the_object_store_with_a_range_request(client, world, presigned, django_capture_on_commit_callbacks):
    for i in range(3):
        services.add_file(world.enrollment(world.a), "C01", upload_file(f"{i}.pdf", PDF + os.urandom(4096)), user=world.sub_a)
    client.force_login(world.organizer)
    url = f"/campaigns/{world.campaign.pk}/export/evidence.zip"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
    streamed = b"".join(first.streaming_content)
    bundle = Bundle.objects.get()
    assert bundle.status == "ready" and presigned.exists(bundle.file.name)
    response = client.get(url)
    assert response.status_code == 302
    status, headers, whole = fetch(response["Location"])
    assert status == 200 and len(whole) == bundle.size and headers["Content-Type"] == "application/zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(whole)).namelist()) == sorted(zipfile.ZipFile(io.BytesIO(streamed)).namelist())
    status, headers, tail = fetch(response["Location"], Range=f"bytes={bundle.size - 100}-")
    assert status == 206 and tail == whole[-100:]
    assert headers["Content-Range"] == f"bytes {bundle.size - 100}-{bundle.size - 1}/{bundle.size}"


def test_read_range_asks_for_just_the_bytes(settings, s3_server):
    s3 = use_s3(settings, s3_server)
    data = os.urandom(700_000)
    name = s3.save("bundles/x.bin", io.BytesIO(data))
    assert b"".join(storage.read_range(s3, name, 300_000, 1000)) == data[300_000:301_000]
    assert b"".join(storage.read_range(s3, name)) == data
    assert storage.read_head(s3, name, 10) == data[:10]
    with storage.open_seekable(s3, name) as fh:
        fh.seek(-5, 2)
        assert fh.read() == data[-5:]


def test_orphan_sweep_lists_the_bucket(world, settings, s3_server):
    s3 = use_s3(settings, s3_server)
    kept, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("甲.pdf", PDF), user=world.sub_a)
    services.delete(kept, user=world.sub_a)  # soft-deleted rows keep their object
    orphan = s3.save("evidence/1/1/orphan.pdf", io.BytesIO(PDF))
    assert orphans.sweep_orphans(min_age=timedelta(hours=1)) == []  # too young
    assert orphans.sweep_orphans(min_age=timedelta(milliseconds=1)) == [orphan]
    assert not s3.exists(orphan) and s3.exists(kept.file.name)


def test_migrate_and_storage_init_create_the_bucket(tmp_path, s3_server):
    bucket = f"pinggu-cli-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PINGGU_DATA_DIR": str(tmp_path), "PINGGU_STORAGE": "s3", "PINGGU_S3_ENDPOINT_URL": s3_server,
           "PINGGU_S3_BUCKET": bucket, "PINGGU_S3_ACCESS_KEY": "testing", "PINGGU_S3_SECRET_KEY": "testing",
           "PINGGU_S3_REGION": "us-east-1"}
    env.pop("PINGGU_DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = [sys.executable, "-m", "pinggu"]
    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
    assert bucket not in {b["Name"] for b in client.list_buckets()["Buckets"]}
    migrate = subprocess.run([*cli, "migrate", "--no-input"], env=env, capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    assert bucket in {b["Name"] for b in client.list_buckets()["Buckets"]}
    init = subprocess.run([*cli, "storage", "init"], env=env, capture_output=True, text=True, timeout=60)
    assert init.returncode == 0 and "已存在" in init.stdout
    client.delete_bucket(Bucket=bucket)
    init = subprocess.run([*cli, "storage", "init"], env=env, capture_output=True, text=True, timeout=60)
    assert init.returncode == 0 and "已创建" in init.stdout
    assert bucket in {b["Name"] for b in client.list_buckets()["Buckets"]}


def test_unknown_storage_is_refused(tmp_path):
    env = {**os.environ, "PINGGU_DATA_DIR": str(tmp_path), "PINGGU_STORAGE": "ftp"}
    result = subprocess.run([sys.executable, "-m", "pinggu", "check"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "PINGGU_STORAGE" in result.stderr


def test_nginx_sends_local_files_after_the_check_and_audit(client, world, settings):
    settings.SENDFILE = "nginx"
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("甲 说明.pdf", PDF), user=world.sub_a)
    client.force_login(world.sub_b)
    assert client.get(f"/evidence/{item.pk}/download/").status_code == 404
    client.force_login(world.organizer)
    response = client.get(f"/evidence/{item.pk}/download/")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_pinggu_files/{item.file.name}"
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert AuditEvent.objects.filter(action="download", object_id=str(item.pk)).count() == 1
