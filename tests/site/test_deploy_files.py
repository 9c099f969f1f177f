"""The shipped deployment files (deploy/) are valid for the real tools and agree with the settings and the docs.

systemd units are checked by `systemd-analyze verify`, the nginx configuration by `nginx -t` and then by a
real nginx in front of a small upstream that answers as Pinggu does (X-Accel-Redirect with its security headers,
a refusal of an oversized upload before reading the body). Each skips, saying why, where the tool is missing.
"""

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
NGINX_CONF = DEPLOY / "nginx" / "pinggu.conf"
ENV_EXAMPLE = DEPLOY / "pinggu.env.example"
DOCS = [ROOT / "docs" / "部署.md", ROOT / "docs" / "deployment.md"]
DATA_DIR = "/var/lib/pinggu"
VENV_PINGGU = "/opt/pinggu/venv/bin/pinggu"


def settings_read() -> set[str]:
    """Every PINGGU_* variable the code reads: env("X")/env_int/env_bool in settings.py and literal names elsewhere."""
    names = set()
    settings_py = (ROOT / "pinggu" / "settings.py").read_text(encoding="utf-8")
    names |= {f"PINGGU_{n}" for n in re.findall(r"\benv(?:_int|_bool)?\(\s*[\"']([A-Z0-9_]+)[\"']", settings_py)}
    for path in (ROOT / "pinggu").rglob("*.py"):
        names |= set(re.findall(r"\bPINGGU_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    return names


def test_the_settings_are_found():
    # A broken pattern would find nothing and pass every test below.
    found = settings_read()
    assert {"PINGGU_DATA_DIR", "PINGGU_DATABASE_URL", "PINGGU_WORKERS", "PINGGU_S3_BUCKET", "PINGGU_SENDFILE_URL"} <= found


def test_every_setting_is_in_the_env_example():
    listed = set(re.findall(r"^#?(PINGGU_[A-Z0-9_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.MULTILINE))
    missing = sorted(settings_read() - listed)
    assert not missing, f"deploy/pinggu.env.example lacks {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_setting_is_in_the_deployment_docs(doc):
    text = doc.read_text(encoding="utf-8")
    missing = sorted(name for name in settings_read() if name not in text)
    assert not missing, f"{doc.name} lacks {missing}"


def _unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key.strip(), []).append(value.strip())
    return values


@pytest.mark.parametrize("name", ["pinggu-web.service", "pinggu-worker.service", "pinggu-backup.service", "pinggu-check.service"])
def test_units_run_confined_as_the_pinggu_user(name):
    unit = _unit(name)
    assert unit["User"] == ["pinggu"] and unit["Group"] == ["pinggu"]
    assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"] and unit["PrivateTmp"] == ["yes"]
    # The one writable place is the data directory the env file names.
    assert DATA_DIR in unit["ReadWritePaths"][0].split()
    assert unit["EnvironmentFile"] == ["/etc/pinggu/pinggu.env"]
    assert unit["ExecStart"][0].startswith(VENV_PINGGU + " ")


def test_web_and_worker_restart_and_one_worker_runs_apart():
    web, worker = _unit("pinggu-web.service"), _unit("pinggu-worker.service")
    assert web["Restart"] == worker["Restart"] == ["on-failure"]
    assert web["ExecStart"] == [f"{VENV_PINGGU} serve --no-worker"]
    assert worker["ExecStart"] == [f"{VENV_PINGGU} worker"]
    backup = _unit("pinggu-backup.service")
    assert backup["ExecStart"][0].startswith(f"{VENV_PINGGU} backup /")
    assert backup["ExecStart"][0].split()[-1] in backup["ReadWritePaths"][0].split()


def test_the_data_directory_agrees_everywhere():
    env = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert re.search(rf"^PINGGU_DATA_DIR={re.escape(DATA_DIR)}$", env, flags=re.MULTILINE)
    conf = NGINX_CONF.read_text(encoding="utf-8")
    sendfile_url = re.search(r"^#?PINGGU_SENDFILE_URL=(\S+)$", env, flags=re.MULTILINE).group(1)  # type: ignore[union-attr]
    from django.conf import settings

    assert sendfile_url == settings.SENDFILE_URL == "/_pinggu_files/"  # the default, as the example says
    block = re.search(rf"location {re.escape(sendfile_url)} \{{(.*?)\}}", conf, flags=re.DOTALL).group(1)  # type: ignore[union-attr]
    assert "internal;" in block and f"alias {DATA_DIR}/files/;" in block


def test_nginx_limits_agree_with_pinggus_defaults():
    from django.conf import settings

    from pinggu.campaigns.models import Campaign
    from pinggu.evidence.services import ENVELOPE_BYTES

    conf = NGINX_CONF.read_text(encoding="utf-8")
    mb = 1024 * 1024

    def limit_in(pattern: str) -> int:
        block = re.search(pattern + r"[^{]*\{(.*?)\n    \}", conf, flags=re.DOTALL)
        assert block, pattern
        size = re.search(r"client_max_body_size (\d+)m;", block.group(1))
        assert size, pattern
        return int(size.group(1)) * mb

    general = int(re.search(r"^    client_max_body_size (\d+)m;", conf, flags=re.MULTILINE).group(1)) * mb  # type: ignore[union-attr]
    assert settings.MAX_REQUEST_BYTES <= general < settings.MAX_REQUEST_BYTES + 2 * mb
    default_file = Campaign._meta.get_field("max_file_bytes").default
    for route in (r"location ~ \^/campaigns/", r"location ~ \^/api/v1/campaigns/"):
        assert default_file + ENVELOPE_BYTES <= limit_in(route)
    chunk = getattr(settings, "UPLOAD_CHUNK_BYTES", 16 * mb)
    assert chunk < limit_in(r"location \^~ /api/v1/uploads/")


def test_a_resumable_upload_is_created_and_continued_on_one_server():
    """Its partial file lives on the server that created it: creation and PATCHes go through the same sticky upstream."""
    conf = NGINX_CONF.read_text(encoding="utf-8")
    upstream = re.search(r"upstream pinggu_uploads \{(.*?)\}", conf, flags=re.DOTALL).group(1)  # type: ignore[union-attr]
    assert "hash $remote_addr consistent;" in upstream
    for route in (r"location ~ \^/api/v1/campaigns/\[0-9\]\+/units/\[\^/\]\+/checkpoints/\[\^/\]\+/uploads\$",
                  r"location \^~ /api/v1/uploads/"):
        block = re.search(route + r"[^{]*\{(.*?)\n    \}", conf, flags=re.DOTALL)
        assert block and "proxy_pass http://pinggu_uploads;" in block.group(1), route


# --- The real tools ---------------------------------------------------------------------------------------

def _units_for_verify(tmp_path: Path) -> list[Path]:
    """The units with the virtualenv's pinggu in place of /opt/pinggu/venv: verify checks that ExecStart exists."""
    pinggu = Path(sys.executable).with_name("pinggu")
    paths = []
    for unit in sorted(UNITS.iterdir()):
        target = tmp_path / unit.name
        target.write_text(unit.read_text(encoding="utf-8").replace(VENV_PINGGU, str(pinggu)))
        paths.append(target)
    return paths


def test_systemd_units_verify(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    units = _units_for_verify(tmp_path)
    assert {u.name for u in units} == {"pinggu-web.service", "pinggu-worker.service", "pinggu-backup.service",
                                       "pinggu-backup.timer", "pinggu-check.service", "pinggu-check.timer"}
    result = subprocess.run([tool, "verify", *map(str, units)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # verify only warns about a misspelt option and goes on: such a line is a mistake too.
    assert not re.search(r"Unknown (key|section|lvalue)|ignoring|[Ii]nvalid", output), output


@pytest.mark.parametrize("script", ["deploy/pinggu-admin", "scripts/install-offline.sh", "scripts/wheelhouse-smoke.sh"])
def test_shell_scripts_parse(script):
    result = subprocess.run(["sh", "-n", str(ROOT / script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_logrotate_config_parses(tmp_path):
    tool = shutil.which("logrotate") or ("/usr/sbin/logrotate" if Path("/usr/sbin/logrotate").exists() else None)
    if tool is None:
        pytest.skip("logrotate is not installed (Debian: apt-get install logrotate)")
    # The pinggu user does not exist on a test machine; everything else is checked as written.
    config = tmp_path / "pinggu"
    config.write_text((DEPLOY / "logrotate" / "pinggu").read_text(encoding="utf-8").replace("su pinggu pinggu", "su root root"))
    result = subprocess.run([tool, "--debug", "--state", str(tmp_path / "state"), str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "error" not in result.stderr.lower(), result.stderr


def _need_nginx() -> str:
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no throwaway certificate for the TLS server")
    return nginx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _nginx_setup(tmp_path: Path, *, upstream_port: int = 8000, http_port: int = 80, https_port: int = 443,
                 data_dir: Path | None = None) -> Path:
    """deploy/nginx/pinggu.conf with a throwaway certificate, the data directory, logs and ports in tmp_path."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=pinggu.test",
                    "-keyout", str(tmp_path / "pinggu.key"), "-out", str(tmp_path / "pinggu.crt")],
                   check=True, capture_output=True, timeout=60)
    conf = NGINX_CONF.read_text(encoding="utf-8")
    for old, new in {
        "/etc/pinggu/tls/": f"{tmp_path}/",
        "/var/log/nginx/": f"{tmp_path}/",
        DATA_DIR: str(data_dir or tmp_path / "var"),
        "server 127.0.0.1:8000 ": f"server 127.0.0.1:{upstream_port} ",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
    }.items():
        assert old in conf, old
        conf = conf.replace(old, new)
    conf = re.sub(r"^\s*listen \[::\]:.*$", "", conf, flags=re.MULTILINE)  # the test machine may lack IPv6
    (tmp_path / "pinggu.conf").write_text(conf)
    temp = tmp_path / "nginx-temp"
    temp.mkdir()
    (tmp_path / "nginx.conf").write_text(f"""
        daemon off;
        pid {tmp_path}/nginx.pid;
        error_log stderr warn;
        worker_processes 1;
        {"user root;" if os.getuid() == 0 else ""}  # to read the files under tmp_path (mode 0700)
        events {{ worker_connections 64; }}
        http {{
            client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy; fastcgi_temp_path {temp}/fastcgi;
            uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
            include {tmp_path}/pinggu.conf;
        }}
    """)
    return tmp_path / "nginx.conf"


def test_nginx_config_is_valid(tmp_path):
    nginx = _need_nginx()
    main = _nginx_setup(tmp_path)
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(main), "-e", "stderr"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


class _FakePinggu(BaseHTTPRequestHandler):
    """Answers as Pinggu does, and records what nginx passed on."""

    seen: list[dict] = []

    def log_message(self, *args):
        pass

    def _answer(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.seen.append({"path": self.path, "proto": self.headers.get("X-Forwarded-Proto"), "host": self.headers.get("Host")})
        if self.path == "/evidence/7/download/":
            self._answer(200, {
                "X-Accel-Redirect": "/_pinggu_files/evidence/2020/%E6%9D%90%E6%96%99%20a.pdf",
                "Content-Type": "application/pdf",
                "Content-Disposition": "attachment; filename*=utf-8''%E6%9D%90%E6%96%99.pdf",
                "Content-Security-Policy": "sandbox",
                "X-Content-Type-Options": "nosniff",
                "Cross-Origin-Resource-Policy": "same-origin",
                "X-Frame-Options": "DENY",
            })
        else:
            self._answer(200, {"Content-Type": "text/plain"}, b"ok")

    def do_POST(self):
        # Like RequestSizeLimitMiddleware: refuse on Content-Length without reading the body.
        self.seen.append({"path": self.path, "length": self.headers.get("Content-Length")})
        self.close_connection = True
        self._answer(413, {"Content-Type": "application/json", "Connection": "close"}, b'{"error": "too_large"}')


def _start_nginx(nginx: str, tmp_path: Path, main: Path, https_port: int) -> subprocess.Popen:
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(main), "-e", "stderr"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {process.communicate(timeout=5)[1].decode()}")
            time.sleep(0.1)


@pytest.fixture
def nginx_in_front(tmp_path):
    nginx = _need_nginx()
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _FakePinggu)
    _FakePinggu.seen = []
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    main = _nginx_setup(tmp_path, upstream_port=upstream.server_address[1], http_port=http_port, https_port=https_port)
    (tmp_path / "var" / "static" / "pinggu").mkdir(parents=True)
    (tmp_path / "var" / "static" / "pinggu" / "site.css").write_text("body { color: #123; }")
    stored = tmp_path / "var" / "files" / "evidence" / "2020"
    stored.mkdir(parents=True)
    (stored / "材料 a.pdf").write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 40)
    process = _start_nginx(nginx, tmp_path, main, https_port)
    try:
        yield {"http": http_port, "https": https_port, "stored": stored / "材料 a.pdf"}
    finally:
        process.terminate()
        process.wait(timeout=20)
        upstream.shutdown()


def _https(port: int) -> http.client.HTTPSConnection:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the throwaway self-signed certificate
    return http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=15)


@pytest.mark.slow
def test_nginx_sends_the_file_with_pinggus_headers(nginx_in_front):
    connection = _https(nginx_in_front["https"])
    connection.request("GET", "/evidence/7/download/", headers={"Host": "pinggu.example.gov.cn", "X-Forwarded-Proto": "http"})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200
    assert body == nginx_in_front["stored"].read_bytes()
    assert response.getheader("Content-Type") == "application/pdf"
    assert response.getheader("Content-Disposition") == "attachment; filename*=utf-8''%E6%9D%90%E6%96%99.pdf"
    # The headers nginx would drop on an X-Accel-Redirect unless the location copies them back.
    assert response.getheader("Content-Security-Policy") == "sandbox"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Cross-Origin-Resource-Policy") == "same-origin"
    assert response.getheader("X-Frame-Options") == "DENY"
    # The client's own X-Forwarded-Proto is overwritten, never passed on.
    assert _FakePinggu.seen[-1]["proto"] == "https"

    connection.request("GET", "/evidence/7/download/", headers={"Range": "bytes=0-3"})
    ranged = connection.getresponse()
    assert ranged.status == 206 and ranged.read() == b"%PDF"

    # The internal location is not reachable from outside.
    connection.request("GET", "/_pinggu_files/evidence/2020/%E6%9D%90%E6%96%99%20a.pdf")
    direct = connection.getresponse()
    direct.read()
    assert direct.status == 404


@pytest.mark.slow
def test_nginx_passes_an_upload_on_before_its_body(nginx_in_front):
    """A 150 MB upload reaches Pinggu at once (no buffering, above the general limit), which refuses it unread."""
    connection = _https(nginx_in_front["https"])
    connection.putrequest("POST", "/campaigns/3/units/yyq/points/1.1/upload/")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(150 * 1024 * 1024))
    connection.endheaders()
    connection.send(b"--x\r\n")
    # With request buffering on, nginx would wait for all 150 MB before asking Pinggu: this would time out.
    response = connection.getresponse()
    assert response.status == 413 and b"too_large" in response.read()
    assert _FakePinggu.seen[-1] == {"path": "/campaigns/3/units/yyq/points/1.1/upload/", "length": str(150 * 1024 * 1024)}

    # Elsewhere the general limit applies, at nginx, before Pinggu sees anything.
    connection = _https(nginx_in_front["https"])
    connection.putrequest("POST", "/frameworks/import/")
    connection.putheader("Content-Length", str(150 * 1024 * 1024))
    connection.endheaders()
    refused = connection.getresponse()
    refused.read()
    assert refused.status == 413
    assert all(seen["path"] != "/frameworks/import/" for seen in _FakePinggu.seen)


@pytest.mark.slow
def test_nginx_plain_http_redirects_but_answers_healthz(nginx_in_front):
    connection = http.client.HTTPConnection("127.0.0.1", nginx_in_front["http"], timeout=15)
    connection.request("GET", "/campaigns/", headers={"Host": "pinggu.example.gov.cn"})
    response = connection.getresponse()
    response.read()
    assert response.status == 301 and response.getheader("Location") == "https://pinggu.example.gov.cn/campaigns/"
    connection.request("GET", "/healthz", headers={"Host": "pinggu.example.gov.cn"})
    health = connection.getresponse()
    assert health.status == 200 and health.read() == b"ok"
    assert _FakePinggu.seen[-1]["path"] == "/healthz"


# --- The wheel (make wheelhouse) ------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_wheel_carries_every_file_of_the_package(tmp_path):
    """An offline install has only the wheel: every tracked file under pinggu/ (code, migrations, templates,
    static and vendored libraries, fonts, the catalog, bundled frameworks) must be in it. scripts/wheelhouse-smoke.sh
    goes further: it installs the whole wheelhouse with --no-index and runs the result."""
    import zipfile

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    source = tmp_path / "src"
    files = [name for name in tracked.decode().split("\0") if name]
    for name in files:
        if (ROOT / name).is_file():  # a file deleted but not yet committed is not copied
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    # From a clean copy of the tracked tree: a stale build/ directory would hide a missing package-data rule.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("pinggu-*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    expected = {name for name in files if name.startswith("pinggu/") and (ROOT / name).is_file()}
    assert expected, "git ls-files found nothing under pinggu/"
    missing = sorted(expected - packaged)
    assert not missing, f"{len(missing)} files of the package are not in the wheel, e.g. {missing[:10]}"


@pytest.mark.slow
def test_nginx_sends_collected_static_files_and_passes_the_rest_to_pinggu(nginx_in_front):
    connection = _https(nginx_in_front["https"])
    connection.request("GET", "/static/pinggu/site.css")
    collected = connection.getresponse()
    assert collected.status == 200 and collected.read() == b"body { color: #123; }"
    assert collected.getheader("X-Content-Type-Options") == "nosniff"
    assert all(seen["path"] != "/static/pinggu/site.css" for seen in _FakePinggu.seen)
    # Not collected (or collectstatic never run): whitenoise in Pinggu answers.
    connection.request("GET", "/static/vendor/htmx/htmx.min.js")
    fallback = connection.getresponse()
    assert fallback.status == 200 and fallback.read() == b"ok"
    assert _FakePinggu.seen[-1]["path"] == "/static/vendor/htmx/htmx.min.js"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_pinggu_behind_nginx_sends_evidence_through_x_accel_redirect(world, live_server, settings, tmp_path):
    """The real thing: Pinggu (live server, PINGGU_SENDFILE=nginx) behind the shipped nginx configuration."""
    from django.test import Client

    from pinggu.evidence import services

    from ..conftest import PDF, upload_file

    nginx = _need_nginx()
    settings.SENDFILE = "nginx"
    settings.ALLOWED_HOSTS = ["pinggu.example.gov.cn"]
    content = PDF + b"% sent by nginx " + bytes(range(256)) * 64
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("甲县 说明.pdf", content), user=world.sub_a)
    assert (settings.MEDIA_ROOT / item.file.name).read_bytes() == content  # nginx's alias points here
    browser = Client()
    browser.force_login(world.organizer)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"

    https_port = _free_port()
    main = _nginx_setup(tmp_path, upstream_port=int(live_server.url.rsplit(":", 1)[1]), http_port=_free_port(),
                        https_port=https_port, data_dir=Path(settings.MEDIA_ROOT).parent)
    process = _start_nginx(nginx, tmp_path, main, https_port)
    try:
        connection = _https(https_port)
        headers = {"Host": "pinggu.example.gov.cn", "Cookie": cookie}
        connection.request("GET", f"/evidence/{item.pk}/download/", headers=headers)
        response = connection.getresponse()
        assert response.status == 200 and response.read() == content
        assert response.getheader("Content-Type") == "application/pdf"
        assert response.getheader("Content-Disposition").startswith("attachment")
        assert "sandbox" in response.getheader("Content-Security-Policy", "")
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert response.getheader("X-Accel-Redirect") is None

        connection.request("GET", f"/evidence/{item.pk}/download/", headers={**headers, "Range": "bytes=0-7"})
        ranged = connection.getresponse()
        assert ranged.status == 206 and ranged.read() == content[:8]

        # Another unit's submitter: Pinggu refuses before nginx sends anything.
        browser.force_login(world.sub_b)
        connection.request("GET", f"/evidence/{item.pk}/download/",
                           headers={**headers, "Cookie": f"sessionid={browser.cookies['sessionid'].value}"})
        refused = connection.getresponse()
        assert refused.status == 404 and content[:64] not in refused.read()

    finally:
        process.terminate()
        process.wait(timeout=20)
