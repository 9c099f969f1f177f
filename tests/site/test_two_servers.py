"""Issue 11 §3: two app servers and one worker, sharing one PostgreSQL database and one S3 bucket.

Each process has its own data directory, as separate machines would: nothing may reach another
server through a local file or one process's memory. What one server writes the other reads.
"""

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench._proc import free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PINGGU = str(Path(sys.executable).with_name("pinggu"))
PASSWORD = "Two-Serv3rs!x"
# A text the PDF sniffing accepts, unique to this run so the download is compared byte for byte.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%" + uuid.uuid4().hex.encode() + b"\ntrailer<<>>\n%%EOF\n"

# Migrated and seeded in one process: each start of Django costs seconds on a busy machine.
SEED = f"""
from datetime import timedelta
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from pinggu.accounts.models import Role, User
from pinggu.campaigns import services as cs
from pinggu.frameworks import services as fs
from pinggu.site import demo

for data in demo.bundled_frameworks():
    fs.create_framework(data)
a = cs.create_unit(name="甲县", kind="county", code="unit-a", contact_name="测试联系人", contact_email="unit-a@example.org")
b = cs.create_unit(name="乙县", kind="county", code="unit-b")
now = timezone.now()
campaign = cs.create_campaign(
    title="双服务器测试", year=2020, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=7),
    contact_name="虚构联系人", contact_phone="0912-5550000", contact_email="contact@example.org",
    frameworks={{"county": "yulin-2020-county", "department": "yulin-2020-department"}},
)
cs.enroll(campaign, [a, b])
cs.change_state(campaign, "open")
for username, role, unit in (("org", Role.ORGANIZER, None), ("org2", Role.ORGANIZER, None), ("sub-a", Role.SUBMITTER, a)):
    user = User(username=username, role=role, unit=unit)
    user.set_password({PASSWORD!r})
    user.save()
print(campaign.pk)
"""


def _postgres_server_url():
    url = os.environ.get("PINGGU_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL: set PINGGU_DATABASE_URL=postgres://… (the PostgreSQL pass of .ci/run does)")
    return url


@pytest.fixture
def fresh_database():
    """A database of its own on the suite's PostgreSQL server, dropped afterwards."""
    import psycopg

    url = _postgres_server_url()
    parts = urlsplit(url)
    name = f"pinggu_two_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Processes:
    """Every process started here, killed (with its children) whatever happens to the test."""

    def __init__(self, root: Path):
        self.root = root
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.root / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([PINGGU, *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append((process, log))
        return process

    def stop(self):
        for process, _ in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process, _ in self.started:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for _, log in self.started)


def _wait(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out: {what}")


def _answers(base):
    import requests

    try:
        # The first request imports the whole site in the new gunicorn worker: slow on a loaded machine.
        return requests.get(f"{base}/healthz", timeout=60).status_code in (200, 503)
    except requests.ConnectionError:
        return False


def _csrf(session, base):
    session.get(f"{base}/accounts/login/", timeout=10)
    return session.cookies["csrftoken"]


def _login(session, base, username, password=PASSWORD):
    token = _csrf(session, base)
    return session.post(f"{base}/accounts/login/", data={"username": username, "password": password,
                                                          "csrfmiddlewaretoken": token}, allow_redirects=False, timeout=30)


def test_two_app_servers_and_one_worker_share_everything(fresh_database, s3_server, tmp_path):
    import requests

    root = Path(tempfile.mkdtemp(prefix="pinggu-two-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PINGGU_")}
    base_env.update({
        "PINGGU_DATABASE_URL": fresh_database,
        "PINGGU_SECRET_KEY": uuid.uuid4().hex * 2,  # one key for every server, as the operations guide says
        "PINGGU_STORAGE": "s3", "PINGGU_S3_ENDPOINT_URL": s3_server,
        "PINGGU_S3_BUCKET": f"pinggu-two-{uuid.uuid4().hex[:8]}", "PINGGU_S3_ACCESS_KEY": "testing",
        "PINGGU_S3_SECRET_KEY": "testing", "PINGGU_S3_REGION": "us-east-1",
        "PINGGU_BASE_URL": "http://pinggu.example.org",
    })

    def machine(name):
        (root / name).mkdir()
        return {**base_env, "PINGGU_DATA_DIR": str(root / name)}

    processes = Processes(root)
    try:
        admin_env = machine("admin")
        campaign = int(subprocess.run([PINGGU, "shell", "-c", SEED], env=admin_env, check=True, timeout=180,
                                      capture_output=True, text=True).stdout.strip().splitlines()[-1])

        ports = {"a": free_port(), "b": free_port()}
        for name, port in ports.items():
            processes.start(f"serve-{name}", ["serve", "--no-worker", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
                            machine(f"server-{name}"))
        worker_env = machine("worker")
        processes.start("worker", ["worker", "--interval", "0.2"], worker_env)
        A, B = (f"http://127.0.0.1:{ports[n]}" for n in ("a", "b"))
        for base in (A, B):
            _wait(lambda base=base: _answers(base), 60, f"{base} to answer")

        # /healthz on both: database, the shared bucket, and the one worker's heartbeat.
        def healthy(base):
            response = requests.get(f"{base}/healthz", timeout=10)
            return response if response.json()["checks"]["worker"]["status"] == "ok" else None

        for base in (A, B):
            health = _wait(lambda base=base: healthy(base), 20, "the worker's heartbeat")
            assert health.status_code == 200, health.text
            assert health.json()["status"] == "ok", health.text

        # The submitter logs in and uploads through A.
        unit = requests.Session()
        assert _login(unit, A, "sub-a").status_code == 302
        session_id = unit.cookies["sessionid"]
        workspace = f"/campaigns/{campaign}/units/unit-a/"
        uploaded = unit.post(f"{A}{workspace}points/C01/upload/", files={"file": ("双服务器.pdf", PDF, "application/pdf")},
                             headers={"X-CSRFToken": unit.cookies["csrftoken"]}, timeout=30)
        assert uploaded.status_code == 200, uploaded.text[:500]

        # Through B, with the same session: the workspace lists the file, and it downloads byte for byte
        # (B redirects to a presigned URL of the bucket; requests follows it).
        page = unit.get(f"{B}{workspace}", allow_redirects=False, timeout=30)
        assert page.status_code == 200, "the session made on A is unknown to B"
        assert "双服务器.pdf" in page.text
        evidence_id = re.search(r"/evidence/(\d+)/download/", page.text).group(1)
        download = unit.get(f"{B}/evidence/{evidence_id}/download/", timeout=30)
        assert download.history and download.history[0].status_code == 302
        assert download.history[0].headers["Location"].startswith(s3_server)
        assert download.content == PDF

        # The organizer exports through B.
        org = requests.Session()
        assert _login(org, B, "org").status_code == 302
        progress = org.get(f"{B}/campaigns/{campaign}/export/progress.xlsx", timeout=60)
        assert progress.status_code == 200 and progress.content[:2] == b"PK"
        from openpyxl import load_workbook

        assert "甲县" in str([row for row in load_workbook(io.BytesIO(progress.content)).active.values])
        bundle = org.get(f"{B}/campaigns/{campaign}/export/evidence.zip", timeout=60)
        assert bundle.status_code == 200, bundle.text[:500]
        with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
            assert PDF in [archive.read(member) for member in archive.namelist()]

        # Reminders sent through B are delivered by the one worker (mail as files in the worker's data directory).
        sent = org.post(f"{B}/campaigns/{campaign}/remind/", data={
            "filter": "manual", "units": ["unit-a"], "message": "请尽快报送双服务器测试材料",
            "csrfmiddlewaretoken": org.cookies["csrftoken"]}, allow_redirects=False, timeout=30)
        assert sent.status_code == 302, sent.text[:500]
        mail_dir = Path(worker_env["PINGGU_DATA_DIR"]) / "mail"

        def delivered():
            for path in mail_dir.glob("*") if mail_dir.exists() else []:
                text = path.read_bytes().decode(errors="replace")
                if "unit-a@example.org" in text:
                    return text
            return None

        assert "unit-a@example.org" in _wait(delivered, 30, "the worker to send the reminder")
        for name in ("server-a", "server-b"):
            assert not (root / name / "mail").exists(), "an app server sent mail itself"

        # Logging out on A ends the session on B too.
        logout = unit.post(f"{A}/accounts/logout/", headers={"X-CSRFToken": unit.cookies["csrftoken"]},
                           allow_redirects=False, timeout=30)
        assert logout.status_code == 302
        after = unit.get(f"{B}{workspace}", allow_redirects=False, timeout=30)
        assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]

        # Failed logins count across both servers: 3 on A and 2 on B lock the account on both.
        guesser = requests.Session()
        statuses = [_login(guesser, base, "org2", "Wrong-Passw0rd!").status_code for base in (A, A, A, B, B)]
        assert statuses[:4] == [200, 200, 200, 200], statuses
        assert statuses[4] == 429, statuses
        for base in (A, B):
            assert _login(requests.Session(), base, "org2").status_code == 429, f"{base} let a locked account in"

        # One JSON line per request on B, the download among them, without its query string or cookie.
        lines = [json.loads(line) for line in (root / "serve-b.log").read_text().splitlines() if line.startswith("{")]
        downloads = [line for line in lines if line.get("path") == f"/evidence/{evidence_id}/download/"]
        assert downloads and downloads[0]["status"] == 302 and downloads[0]["user"] is not None
        assert session_id not in (root / "serve-b.log").read_text()
    except BaseException:
        print(processes.logs())
        raise
    finally:
        processes.stop()
        shutil.rmtree(root, ignore_errors=True)
