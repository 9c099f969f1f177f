"""Issue 11 §4 acceptance: `pinggu backup` while a real `pinggu serve` takes uploads, then a restore into a fresh instance.

Everything runs as separate processes (the server, the backup, the restore, the check), as in production.
On the PostgreSQL run the instance and the restore each get a new database on the same server; on S3 each its own bucket.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench._proc import free_port

from ..conftest import PDF

pytestmark = pytest.mark.slow

PINGGU = [sys.executable, "-m", "pinggu"]
PASSWORD = "Load-Passw0rd!"
UNITS = 3
SEED = f"""
from django.core.management import call_command
call_command("migrate", verbosity=0)
from datetime import timedelta
from django.utils import timezone
from pinggu.accounts.models import Role, User
from pinggu.campaigns import services as cs
from pinggu.frameworks import services as fs
from pinggu.site import demo
for data in demo.bundled_frameworks():
    fs.create_framework(data)
units = [cs.create_unit(name=f"虚构县{{i}}", kind="county", code=f"unit-{{i}}") for i in range({UNITS})]
now = timezone.now()
campaign = cs.create_campaign(
    title="备份压力测试", year=2020, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=7),
    contact_name="虚构联系人", contact_phone="0912-5550000", contact_email="contact@example.org",
    frameworks={{"county": "yulin-2020-county", "department": "yulin-2020-department"}},
)
cs.enroll(campaign, units)
cs.change_state(campaign, "open")
for i, unit in enumerate(units):
    user = User(username=f"load-{{i}}", role=Role.SUBMITTER, unit=unit)
    user.set_password("{PASSWORD}")
    user.save()
print(campaign.pk)
"""


def _env(data_dir: Path, database_url: str | None, s3: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PINGGU_DATA_DIR": str(data_dir)}
    for name in ("PINGGU_DATABASE_URL", "PINGGU_STORAGE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    if database_url:
        env["PINGGU_DATABASE_URL"] = database_url
    if s3:
        # Each instance its own new bucket, created by `pinggu migrate` or by the restore.
        env.update({"PINGGU_STORAGE": "s3", "PINGGU_S3_ENDPOINT_URL": s3, "PINGGU_S3_BUCKET": f"pinggu-load-{uuid.uuid4().hex[:8]}",
                    "PINGGU_S3_ACCESS_KEY": "testing", "PINGGU_S3_SECRET_KEY": "testing", "PINGGU_S3_REGION": "us-east-1"})
    return env


def _reader(data_dir: Path, env: dict[str, str]):
    """The stored bytes of a key in this instance's storage, read from outside Pinggu."""
    if env.get("PINGGU_STORAGE") != "s3":
        return lambda key: (data_dir / "files" / key).read_bytes()
    import boto3

    client = boto3.client("s3", endpoint_url=env["PINGGU_S3_ENDPOINT_URL"], aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    return lambda key: client.get_object(Bucket=env["PINGGU_S3_BUCKET"], Key=key)["Body"].read()


def _run(env, *args, timeout=120):
    return subprocess.run([*PINGGU, *args], env=env, capture_output=True, text=True, timeout=timeout)


def _post(url, *, token=None, json_body=None, file=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if file is not None:
        boundary = uuid.uuid4().hex
        name, data = file
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    else:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.status, json.loads(reply.read())


def _row_counts(data_dir: Path, database_url: str | None, tables) -> dict[str, int]:
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    with sqlite3.connect(data_dir / "pinggu.sqlite3") as conn:
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _evidence(data_dir: Path, database_url: str | None) -> dict[str, str]:
    query = "SELECT sha256, file FROM evidence_evidence WHERE file <> ''"
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            return dict(conn.execute(query).fetchall())
    with sqlite3.connect(data_dir / "pinggu.sqlite3") as conn:
        return dict(conn.execute(query).fetchall())


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_backup_while_uploads_arrive_restores_a_consistent_instance(fresh_pg, storage, request):
    root = Path(tempfile.mkdtemp(prefix="pinggu-backup-load-"))
    # SQLite files in the data directories; on the PostgreSQL run, new databases on that server.
    source_db, target_db = (fresh_pg(), fresh_pg()) if fresh_pg else (None, None)
    source, target = root / "source", root / "target"
    s3 = request.getfixturevalue("s3_server") if storage == "s3" else None
    env, target_env = _env(source, source_db, s3), _env(target, target_db, s3)
    server = None
    log = open(root / "serve.log", "wb")
    try:
        seeded = _run(env, "shell", "-c", SEED, timeout=300)  # migrate and seed in one start of Django
        assert seeded.returncode == 0, seeded.stderr
        campaign = int(seeded.stdout.split()[-1])
        port = free_port()
        server = subprocess.Popen([*PINGGU, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-worker"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 120  # gunicorn's workers import everything: slow on a busy machine
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (root / "serve.log").read_text(errors="replace")
                time.sleep(0.2)

        stop = threading.Event()
        done: list[tuple[float, str]] = []  # (when the server's answer arrived, sha256)
        errors: list[str] = []

        def uploader(i: int) -> None:
            try:
                _, answer = _post(f"{base}/auth/token", json_body={"username": f"load-{i}", "password": PASSWORD})
                token = answer["token"]
                n = 0
                while not stop.is_set():
                    n += 1
                    data = PDF + f"% unit {i} upload {n} {uuid.uuid4().hex}\n".encode() * 200
                    url = f"{base}/campaigns/{campaign}/units/unit-{i}/checkpoints/C0{1 + n % 9}/evidence"
                    status, _body = _post(url, token=token, file=(f"材料{n}.pdf", data))
                    assert status == 201, status
                    done.append((time.monotonic(), hashlib.sha256(data).hexdigest()))
            except Exception as exc:  # reported by the main thread
                errors.append(f"{type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=uploader, args=(i,)) for i in range(UNITS)]
        for t in threads:
            t.start()
        while len(done) < 10 and not errors:
            time.sleep(0.05)
        started = time.monotonic()
        before = {h for when, h in done if when < started}
        made = _run(env, "backup", str(root / "backups"))
        finished = time.monotonic()
        during = len(done)
        time.sleep(0.5)  # uploads go on after the snapshot; they are not needed in it
        stop.set()
        for t in threads:
            t.join(60)
        assert errors == [], errors
        assert made.returncode == 0, made.stdout + made.stderr
        assert len([h for when, h in done if when > finished]) > 0, "no upload after the backup: not under load"
        assert len(done) > len(before), "no upload while the backup ran"

        backup_dir = next(p for p in (root / "backups").iterdir() if p.name[0].isdigit())
        manifest = json.loads((backup_dir / "manifest.json").read_text())
        assert hashlib.sha256((backup_dir / "manifest.json").read_bytes()).hexdigest() == \
            (backup_dir / "manifest.json.sha256").read_text().split()[0]
        backed_up = manifest["row_counts"]["evidence_evidence"]
        assert len(before) <= backed_up <= during

        restored = _run(target_env, "restore", str(root / "backups"))
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert _row_counts(target, target_db, manifest["row_counts"]) == manifest["row_counts"]
        rows = _evidence(target, target_db)
        assert len(rows) == backed_up and before <= set(rows)  # everything answered before the backup began
        assert {e["sha256"] for e in manifest["objects"]} == set(rows)
        read = _reader(target, target_env)
        for entry in manifest["objects"]:
            assert hashlib.sha256(read(entry["key"])).hexdigest() == entry["sha256"]
        for digest, key in rows.items():
            assert hashlib.sha256(read(key)).hexdigest() == digest
        assert manifest["storage"] == storage
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, 15)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)
                server.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)
