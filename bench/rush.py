"""The deadline rush: N submitters log in, upload and submit at the same moment, and nothing is lost.

Creates a throw-away PostgreSQL database (default server postgres://postgres@127.0.0.1:5432) and data
directory, loads the demo, adds N units (default 200) enrolled in the open demo campaign, each with
its own submitter account, and starts `pinggu serve` on a free loopback port. Then N client threads
wait at one barrier and, released together, each:

  1. logs in through the real login form (GET for the CSRF token, POST the form);
  2. uploads --files files of --mb MB (random bytes behind a PDF header, so the type check passes)
     to different points, one after the other, as the workspace page does;
  3. confirms the submission (确认报送).

Printed: login and upload latency p50/p95/p99, the aggregate upload rate as a ratio to `cp` of the
same bytes in the same run, the error count, and the lost-file count: every SHA-256 sent is written
to a list (--sent), then every file is downloaded back through the server by its unit and compared
byte for byte with what was sent. --storage s3 runs against a moto S3 server on loopback.

Targets on the 2-core machine: 0 errors, 0 lost, upload p95 < 2 s for 2 MB files, login p95 < 3 s.
Everything runs on loopback and is bounded: --time-limit seconds for the rush, then the check.

--legacy-hashes stores the accounts' passwords with Django's default argon2 parameters (100 MiB,
2 passes, 8 lanes), as accounts made before Pinggu chose OWASP's minimum were: each login then
verifies the old hash and rehashes (docs/性能.md has the figures of both).
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from _proc import cpu_seconds, free_port, serving, tree

ROOT = Path(__file__).resolve().parent.parent
PINGGU = str(ROOT / ".venv" / "bin" / "pinggu")
PASSWORD = "Rush-Passw0rd!"
MB = 1024 * 1024
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def percentile(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def content(block, client, index, size):
    """The bytes of one file: a PDF header naming the file (so every SHA-256 differs), then random bytes."""
    head = f"%PDF-1.7\n% rush client {client} file {index}\n".encode()
    return head + block[len(head):size]


def create_database(server_url):
    import psycopg

    name = f"pinggu_rush_{os.getpid()}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{server_url}/{name}"


def drop_database(server_url, name):
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_moto():
    """A moto S3 server in its own process (not a thread here, where the clients' threads run)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    return process, f"http://127.0.0.1:{port}"


def seed(n_units, legacy):
    """Migrate, load the demo, add the units, their enrollments and submitters. Returns (campaign id, point codes)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinggu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
    from django.core.management import call_command

    from pinggu.accounts.models import Role, User
    from pinggu.campaigns.models import Campaign, Enrollment, Unit
    from pinggu.frameworks.models import Checkpoint, UnitKind
    from pinggu.site import demo

    call_command("migrate", verbosity=0)
    call_command("demo", password=PASSWORD, stdout=open(os.devnull, "w"))
    campaign = Campaign.objects.get(title=demo.CAMPAIGN_TITLE)  # the open one
    county = UnitKind.objects.get(code="county")
    framework = campaign.framework_links.get(unit_kind=county).framework
    units = Unit.objects.bulk_create([Unit(name=f"冲刺县{i:04d}", code=f"rush{i:04d}", kind=county) for i in range(n_units)])
    Enrollment.objects.bulk_create([Enrollment(campaign=campaign, unit=u, framework=framework) for u in units])
    # One hash for all: each account's login costs the same as with its own salt, and seeding stays quick.
    # The first login rehashes each with its own salt.
    if legacy:
        encoded = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    else:
        encoded = make_password(PASSWORD)
    User.objects.bulk_create([User(username=u.code, role=Role.SUBMITTER, unit=u, password=encoded) for u in units])
    points = [cp.code for cp in Checkpoint.objects.filter(framework=framework).order_by("position")]
    return campaign.pk, points, encoded.split("$", 4)[:4]


class Client(threading.Thread):
    """One unit's submitter: log in, upload, submit; records latencies and errors."""

    def __init__(self, base, campaign, unit, points, block, size, index, barrier, deadline):
        super().__init__(daemon=True)
        self.base, self.campaign, self.unit, self.points = base, campaign, unit, points
        self.block, self.size, self.index = block, size, index
        self.barrier, self.deadline = barrier, deadline
        self.session = requests.Session()
        self.login_s = None
        self.uploads = []  # (point, sha256, seconds, started, ended)
        self.errors = []
        self.submitted = False

    def timeout(self):
        return max(1.0, self.deadline - time.monotonic())

    def run(self):
        try:
            self.barrier.wait()
            self.rush()
        except Exception as exc:  # a failed client is an error in the report, not a crash of the benchmark
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def rush(self):
        s = self.session
        start = time.perf_counter()
        page = s.get(f"{self.base}/accounts/login/", timeout=self.timeout())
        token = CSRF_INPUT.search(page.text)
        if page.status_code != 200 or not token:
            self.errors.append(f"login page {page.status_code}")
            return
        answer = s.post(f"{self.base}/accounts/login/", data={
            "csrfmiddlewaretoken": token.group(1), "username": self.unit, "password": PASSWORD,
        }, allow_redirects=False, timeout=self.timeout())
        if answer.status_code != 302 or "sessionid" not in s.cookies:
            self.errors.append(f"login {answer.status_code}")
            return
        self.login_s = time.perf_counter() - start
        workspace = f"{self.base}/campaigns/{self.campaign}/units/{self.unit}"
        for k, point in enumerate(self.points):
            data = content(self.block, self.index, k, self.size)
            sha = hashlib.sha256(data).hexdigest()
            begun = time.perf_counter()
            # As the workspace page's script sends it: one file per request, JSON answer.
            answer = s.post(f"{workspace}/points/{point}/upload/", files={"file": (f"材料{k + 1}.pdf", data, "application/pdf")},
                            headers={"X-CSRFToken": s.cookies["csrftoken"], "Accept": "application/json"}, timeout=self.timeout())
            ended = time.perf_counter()
            ok = answer.status_code == 200 and answer.headers.get("Content-Type", "").startswith("application/json") \
                and answer.json().get("ok")
            if not ok:
                self.errors.append(f"upload {point} {answer.status_code} {answer.text[:120]!r}")
                continue
            self.uploads.append((point, sha, ended - begun, begun, ended))
        answer = s.post(f"{workspace}/submit/", data={"acknowledge_incomplete": "1"},
                        headers={"X-CSRFToken": s.cookies["csrftoken"]}, allow_redirects=False, timeout=self.timeout())
        if answer.status_code != 302:
            self.errors.append(f"submit {answer.status_code}")
            return
        self.submitted = True


def warm_up(base, n):
    """A running server is warm: every worker thread has served pages before the rush (first-request imports, templates)."""
    def one(_):
        with requests.Session() as s:
            page = s.get(f"{base}/accounts/login/", timeout=60)
            token = CSRF_INPUT.search(page.text)
            s.post(f"{base}/accounts/login/", data={"csrfmiddlewaretoken": token.group(1) if token else "",
                                                     "username": "admin", "password": PASSWORD}, timeout=60)
            s.get(f"{base}/", timeout=60)

    with ThreadPoolExecutor(n) as pool:
        list(pool.map(one, range(2 * n)))


def verify(clients, base, block, size, sent_path):
    """Every acknowledged file, downloaded back by its unit and compared byte for byte. Returns (checked, lost)."""
    from pinggu.campaigns.models import Enrollment, EnrollmentState
    from pinggu.evidence.models import Evidence

    rows = {(e.sha256, e.response.enrollment.unit.code): e.pk
            for e in Evidence.objects.alive().select_related("response__enrollment__unit")}
    lost = []
    with open(sent_path, "w") as listing:
        for c in clients:
            for k, (point, sha, *_) in enumerate(c.uploads):
                listing.write(f"{sha}  {c.unit}/{point}/材料{k + 1}.pdf\n")

    def check(c):
        missing = []
        for k, (point, sha, *_) in enumerate(c.uploads):
            evidence_id = rows.get((sha, c.unit))
            if evidence_id is None:
                missing.append(f"{c.unit}/{point}: no evidence row with {sha}")
                continue
            answer = c.session.get(f"{base}/evidence/{evidence_id}/download/", timeout=120)
            if answer.status_code != 200 or answer.content != content(block, c.index, k, size):
                missing.append(f"{c.unit}/{point}: downloaded {answer.status_code}, {len(answer.content)} bytes differ")
        return missing

    with ThreadPoolExecutor(4) as pool:
        for missing in pool.map(check, clients):
            lost.extend(missing)
    submitted = {e.unit.code for e in Enrollment.objects.filter(state=EnrollmentState.SUBMITTED).select_related("unit")}
    not_submitted = [c.unit for c in clients if c.submitted and c.unit not in submitted]
    return sum(len(c.uploads) for c in clients), lost, not_submitted


def cp_baseline(clients, block, size, directory):
    """Seconds for `cp` to copy the same files (same count, same bytes) within the data directory's file system."""
    src, dst = Path(directory) / "cp-src", Path(directory) / "cp-dst"
    src.mkdir()
    for c in clients:
        for k in range(len(c.points)):
            (src / f"{c.index}-{k}.pdf").write_bytes(content(block, c.index, k, size))
    start = time.perf_counter()
    subprocess.run(["cp", "-r", str(src), str(dst)], check=True)
    elapsed = time.perf_counter() - start
    shutil.rmtree(src)
    shutil.rmtree(dst)
    return elapsed


def fmt(seconds):
    return "—" if seconds is None else f"{seconds:6.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--files", type=int, default=3, help="files per client, each to its own point")
    parser.add_argument("--mb", type=float, default=2.0, help="size of each file in MB")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (each with 4 threads)")
    parser.add_argument("--storage", choices=["local", "s3"], default="local")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database name")
    parser.add_argument("--legacy-hashes", action="store_true", help="passwords hashed with Django's default argon2 parameters")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds the rush may take")
    parser.add_argument("--sent", default="rush-sent.sha256", help="where the list of sent SHA-256 is written")
    args = parser.parse_args()
    size = int(args.mb * MB)
    print(f"machine               {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    data_dir = tempfile.mkdtemp(prefix="pinggu-rush-")
    db_name, db_url = create_database(args.postgres)
    moto = None
    env = {**os.environ, "PINGGU_DATA_DIR": data_dir, "PINGGU_DATABASE_URL": db_url}
    try:
        if args.storage == "s3":
            moto, endpoint = start_moto()
            env.update({"PINGGU_STORAGE": "s3", "PINGGU_S3_ENDPOINT_URL": endpoint, "PINGGU_S3_BUCKET": "pinggu-rush",
                        "PINGGU_S3_ACCESS_KEY": "testing", "PINGGU_S3_SECRET_KEY": "testing", "PINGGU_S3_REGION": "us-east-1"})
        os.environ.update(env)
        campaign, points, hash_params = seed(args.clients, args.legacy_hashes)
        if len(points) < args.files:
            raise SystemExit(f"the framework has {len(points)} points, fewer than --files {args.files}")
        block = os.urandom(size)
        hash_ms = hash_cpu_ms()
        with serving(PINGGU, env, workers=args.workers) as (port, server):
            base = f"http://127.0.0.1:{port}"
            warm_up(base, args.workers * 4)
            barrier = threading.Barrier(args.clients + 1)
            deadline = time.monotonic() + args.time_limit
            clients = [Client(base, campaign, f"rush{i:04d}", points[:args.files], block, size, i, barrier, deadline)
                       for i in range(args.clients)]
            for c in clients:
                c.start()
            processes = tree(server.pid)
            cpu_before = sum(cpu_seconds(p) for p in processes)
            barrier.wait()
            began = time.perf_counter()
            for c in clients:
                c.join(max(0.0, deadline - time.monotonic()))
            rush_s = time.perf_counter() - began
            server_cpu = sum(cpu_seconds(p) for p in processes) - cpu_before
            unfinished = sum(c.is_alive() for c in clients)
            checked, lost, not_submitted = verify(clients, base, block, size, args.sent)
        cp_s = cp_baseline(clients, block, size, data_dir)
        report(args, clients, hash_params, rush_s, unfinished, checked, lost, not_submitted, cp_s, size, server_cpu, hash_ms)
    finally:
        if moto is not None:
            moto.terminate()
            moto.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)
        try:
            drop_database(args.postgres, db_name)
        except Exception as exc:  # noqa: BLE001  (a leftover database is worth a line, not a traceback over the report)
            print(f"could not drop database {db_name}: {exc}")


def hash_cpu_ms():
    """CPU milliseconds (all threads) of one argon2 hash with the current and with Django's default parameters.

    CPU time, unlike wall time, hardly depends on what else runs on a shared machine: with C cores,
    N logins at once cannot all finish before N × (CPU per login) / C seconds.
    """
    from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher

    def median(hasher):
        samples = []
        for _ in range(5):
            start = time.process_time()
            hasher.encode(PASSWORD, hasher.salt())
            samples.append((time.process_time() - start) * 1000)
        return sorted(samples)[2]

    return median(get_hasher("default")), median(Argon2PasswordHasher())


def report(args, clients, hash_params, rush_s, unfinished, checked, lost, not_submitted, cp_s, size, server_cpu, hash_ms):
    logins = [c.login_s for c in clients if c.login_s is not None]
    uploads = [u[2] for c in clients for u in c.uploads]
    errors = [f"{c.unit}: {e}" for c in clients for e in c.errors]
    sent_bytes = len(uploads) * size
    window = [u for c in clients for u in c.uploads]
    upload_s = (max(u[4] for u in window) - min(u[3] for u in window)) if window else 0
    print(f"clients               {args.clients} × {args.files} files × {args.mb:g} MB, storage {args.storage}, "
          f"gunicorn {args.workers} workers × 4 threads, PostgreSQL")
    print(f"stored password hash  {'$'.join(hash_params)} ({'legacy: Django defaults' if args.legacy_hashes else 'current'})")
    print(f"one argon2 hash       {hash_ms[0]:6.0f} ms CPU with the current parameters, {hash_ms[1]:.0f} ms with Django's defaults "
          f"(all threads; {os.cpu_count()} cores: {args.clients} logins need at least {args.clients * hash_ms[0] / 1000 / os.cpu_count():.1f} s "
          f"of hashing, {args.clients * hash_ms[1] / 1000 / os.cpu_count():.1f} s with the defaults)")
    print(f"rush                  {rush_s:6.2f} s from the barrier to the last client done; {unfinished} unfinished")
    print(f"server CPU            {server_cpu:6.1f} s over the rush, {server_cpu / args.clients * 1000:.0f} ms per client "
          f"(login, {args.files} uploads, submit)")
    print(f"login (GET+POST)      p50 {fmt(percentile(logins, 50))}  p95 {fmt(percentile(logins, 95))}  "
          f"p99 {fmt(percentile(logins, 99))}  max {fmt(max(logins, default=None))}   (target p95 < 3 s)")
    print(f"upload, one file      p50 {fmt(percentile(uploads, 50))}  p95 {fmt(percentile(uploads, 95))}  "
          f"p99 {fmt(percentile(uploads, 99))}  max {fmt(max(uploads, default=None))}   (target p95 < 2 s)")
    if upload_s:
        rate = sent_bytes / MB / upload_s
        cp_rate = sent_bytes / MB / cp_s
        print(f"aggregate upload      {rate:6.0f} MB/s over {upload_s:.1f} s (first upload sent to last answered)")
        print(f"cp of the same bytes  {cp_rate:6.0f} MB/s   ratio upload / cp {rate / cp_rate:.3f}")
    print(f"submitted             {sum(c.submitted for c in clients)} of {args.clients}"
          + (f"; {len(not_submitted)} confirmed but not submitted in the database" if not_submitted else ""))
    print(f"errors                {len(errors)}   (target 0)")
    for line in errors[:20]:
        print(f"    {line}")
    print(f"lost files            {len(lost)} of {checked} acknowledged, each downloaded back and compared byte for byte   (target 0)")
    for line in lost[:20]:
        print(f"    {line}")
    print(f"sent SHA-256 listed   {args.sent}")


if __name__ == "__main__":
    main()
