"""Issue 11 §5: SIGKILL to the whole server (gunicorn's master and workers) in the middle of uploads.

A real `pinggu serve` on a free port, on SQLite and (when one is reachable, as in .ci/run) on
PostgreSQL. While a plain multipart upload is arriving slowly over a raw socket and a resumable
upload is half done with its next chunk in flight, every process of the server is killed. After a
restart: no partial file is evidence, every evidence row has its object with the recorded size and
SHA-256, and the resumable upload continues from the offset HEAD reports and completes intact.
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench._proc import free_port

pytestmark = pytest.mark.slow

PINGGU = str(Path(sys.executable).with_name("pinggu"))
PASSWORD = "Crash-Test-Passw0rd!"

SETUP = """
from datetime import timedelta
from django.utils import timezone
from pinggu.accounts.models import Role, User
from pinggu.campaigns import services as cs
from pinggu.frameworks import services as fs
from pinggu.site import demo
for data in demo.bundled_frameworks():
    fs.create_framework(data)
a = cs.create_unit(name="甲县", kind="county", code="unit-a")
now = timezone.now()
c = cs.create_campaign(title="断电测试", year=2020, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=7),
                       contact_name="虚构联系人", contact_phone="0912-5550000", contact_email="contact@example.org",
                       frameworks={"county": "yulin-2020-county", "department": "yulin-2020-department"})
cs.enroll(c, [a])
cs.change_state(c, "open")
u = User(username="sub-a", role=Role.SUBMITTER, unit=a)
u.set_password(%r)
u.save()
print("CAMPAIGN", c.pk)
""" % PASSWORD  # noqa: UP031

# Every evidence row with what its stored object really holds, read through the configured storage.
INSPECT = """
import hashlib, json
from django.core.files.storage import default_storage
from pinggu.evidence.models import Evidence, Upload
rows = []
for e in Evidence.objects.filter(kind="file"):
    found = default_storage.exists(e.file.name)
    sha, size = hashlib.sha256(), 0
    if found:
        with default_storage.open(e.file.name, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                sha.update(block)
                size += len(block)
    rows.append({"id": e.pk, "filename": e.filename, "size": e.size, "sha256": e.sha256, "exists": found,
                 "stored_size": size, "stored_sha256": sha.hexdigest()})
print("JSON", json.dumps({"evidence": rows, "uploads": list(Upload.objects.values_list("id", "offset", "length"))}))
"""


def pdf(size, seed):
    return b"%PDF-1.4\n" + hashlib.sha256(seed).digest() * (size // 32)


def _postgres_url():
    url = os.environ.get("PINGGU_TEST_DATABASE_URL") or os.environ.get("PINGGU_DATABASE_URL")
    if not url:
        try:
            with socket.create_connection(("127.0.0.1", 5432), timeout=1):
                url = "postgres://postgres@127.0.0.1:5432/postgres"
        except OSError:
            return None
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def instance(request):
    data_dir = tempfile.mkdtemp(prefix="pinggu-crash-")
    env = {k: v for k, v in os.environ.items() if k not in ("PINGGU_DATABASE_URL", "PINGGU_STORAGE")}
    env["PINGGU_DATA_DIR"] = data_dir
    dropper = None
    if request.param == "postgresql":
        url = _postgres_url()
        if url is None:
            pytest.skip("no PostgreSQL reachable")
        import psycopg

        base, _sep, _name = url.rpartition("/")
        name = f"pinggu_crash_{uuid.uuid4().hex[:10]}"
        try:
            with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as exc:
            pytest.skip(f"PostgreSQL not usable: {exc}")
        env["PINGGU_DATABASE_URL"] = f"{base}/{name}"

        def dropper():
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    subprocess.run([PINGGU, "migrate", "-v0"], env=env, check=True)
    out = subprocess.run([PINGGU, "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True).stdout
    campaign = int(out.split("CAMPAIGN", 1)[1].split()[0])
    yield Path(data_dir), env, campaign
    if dropper:
        dropper()
    shutil.rmtree(data_dir, ignore_errors=True)


class Server:
    def __init__(self, data_dir, env):
        self.port = free_port()
        self.log = open(data_dir / "serve.log", "ab")
        self.process = subprocess.Popen([PINGGU, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--no-worker"],
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90  # generous: a loaded 2-core machine starts slowly
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=5):
                    return
            except OSError:
                time.sleep(0.2)
        self.log.flush()
        raise AssertionError("the server never answered:\n" + (data_dir / "serve.log").read_text(errors="replace")[-3000:])

    def kill(self):
        """SIGKILL to every process of the server at once: serve, gunicorn's master and its workers."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def request(self, method, path, body=b"", headers=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body if method != "HEAD" else None,
                                     method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as reply:
                return reply.status, reply.headers, reply.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def raw(self, head, body):
        """A request whose head and first bytes are sent, the rest never: a slow client in mid-upload."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.sendall(head + body)
        return sock


def _token(server):
    status, _h, body = server.request("POST", "/api/v1/auth/token", json.dumps({"username": "sub-a", "password": PASSWORD}).encode(),
                                      {"Content-Type": "application/json"})
    assert status == 200, body
    return json.loads(body)["token"]


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def test_killing_the_server_mid_upload_loses_nothing_and_shows_nothing_partial(instance):
    data_dir, env, campaign = instance
    base = f"/api/v1/campaigns/{campaign}/units/unit-a/checkpoints"
    server = Server(data_dir, env)
    try:
        auth = {"Authorization": f"Bearer {_token(server)}"}
        tus = {**auth, "Tus-Resumable": "1.0.0"}
        # One plain upload that finishes before the kill.
        done = pdf(200_000, b"done")
        boundary = "crashboundary"
        def multipart(content, name):
            return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                    "Content-Type: application/pdf\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        status, _h, body = server.request("POST", f"{base}/C01/evidence", multipart(done, "done.pdf"),
                                          {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 201, body

        # A resumable upload: half stored, its next chunk in flight.
        big = pdf(3_000_000, b"resumable")
        half = len(big) // 2
        status, headers, body = server.request("POST", f"{base}/C02/uploads", headers={
            **tus, "Upload-Length": str(len(big)),
            "Upload-Metadata": f"filename {_b64('扫描件.pdf')},sha256 {_b64(hashlib.sha256(big).hexdigest())}"})
        assert status == 201, body
        location = headers["Location"]
        status, headers, _b = server.request("PATCH", location, big[:half], {
            **tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        assert status == 204 and headers["Upload-Offset"] == str(half)
        in_flight = server.raw(
            (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth['Authorization']}\r\n"
             f"Tus-Resumable: 1.0.0\r\nUpload-Offset: {half}\r\nContent-Type: application/offset+octet-stream\r\n"
             f"Content-Length: {len(big) - half}\r\n\r\n").encode(), big[half:half + 700_000])

        # A plain multipart upload arriving slowly: only part of the file is ever sent.
        slow = multipart(pdf(3_000_000, b"slow"), "slow.pdf")
        plain = server.raw(
            (f"POST {base}/C03/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth['Authorization']}\r\n"
             f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(slow)}\r\n\r\n").encode(),
            slow[:1_500_000])
        time.sleep(1.5)  # the workers are now inside both requests, writing what arrived
        server.kill()
        in_flight.close()
        plain.close()

        server = Server(data_dir, env)
        seen = _inspect(env)
        names = {row["filename"] for row in seen["evidence"]}
        assert names == {"done.pdf"}, "only the upload that finished is evidence"
        _assert_rows_match_objects(seen)

        # The resumable upload goes on from what HEAD reports: the stored, fsync'ed offset.
        status, headers, _b = server.request("HEAD", location, headers=tus)
        assert status == 200
        offset = int(headers["Upload-Offset"])
        assert half <= offset < len(big)
        status, headers, body = server.request("PATCH", location, big[offset:], {
            **tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
        assert status == 204, body
        evidence_id = int(headers["Pinggu-Evidence-Id"])
        seen = _inspect(env)
        _assert_rows_match_objects(seen)
        finished = next(row for row in seen["evidence"] if row["id"] == evidence_id)
        assert finished["sha256"] == hashlib.sha256(big).hexdigest() and finished["size"] == len(big)
        assert finished["filename"] == "扫描件.pdf"
    finally:
        if server.process.poll() is None:
            server.kill()


def _inspect(env):
    out = subprocess.run([PINGGU, "shell", "-c", INSPECT], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.split("JSON", 1)[1])


def _assert_rows_match_objects(seen):
    for row in seen["evidence"]:
        assert row["exists"], f"evidence {row['id']} has no stored object"
        assert (row["stored_size"], row["stored_sha256"]) == (row["size"], row["sha256"]), row
