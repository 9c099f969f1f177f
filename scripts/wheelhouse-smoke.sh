#!/bin/sh
# Proves that a wheelhouse (make wheelhouse) installs and runs with no network: a fresh virtualenv from
# install.sh (--no-index), `pinggu migrate` and the demo on a temporary data directory, the system checks,
# the packaged templates, static files, fonts, catalog and frameworks through the test client, then
# `pinggu serve` answering over HTTP.   scripts/wheelhouse-smoke.sh [wheelhouse]
set -eu
wheelhouse=$(cd "${1:-wheelhouse}" && pwd)
tmp=$(mktemp -d)
serve_pid=
cleanup() {
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

sh "$wheelhouse/install.sh" "$tmp/venv"
# Away from the source tree, so that nothing is imported from it; no setting of this shell applies.
cd "$tmp"
for name in $(env | sed -n 's/^\(PINGGU_[A-Z0-9_]*\)=.*/\1/p'); do unset "$name"; done
export PINGGU_DATA_DIR="$tmp/data" MPLCONFIGDIR="$tmp/mpl" PINGGU_ALLOWED_HOSTS=testserver,127.0.0.1,localhost
pinggu="$tmp/venv/bin/pinggu"

"$tmp/venv/bin/python" - <<'PY'
import pinggu, sys
assert pinggu.__file__.startswith(sys.prefix), f"pinggu imported from {pinggu.__file__}, not the new virtualenv"
PY
"$pinggu" migrate --no-input -v 0
"$pinggu" check --deploy --fail-level ERROR
"$pinggu" demo --password 'Smoke-Test-2026x' > /dev/null
"$pinggu" framework list

"$tmp/venv/bin/python" - <<'PY'
import os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "pinggu.settings"
django.setup()
from django.test import Client
from django.contrib.staticfiles import finders

client = Client()
login = client.get("/accounts/login/")
assert login.status_code == 200, login.status_code
page = login.content.decode()
for asset in ("vendor/bootstrap/", "vendor/htmx/"):
    assert asset in page, f"login page links no {asset}"
for path in ("vendor/htmx", "vendor/bootstrap", "vendor/echarts", "vendor/pdfjs"):
    assert finders.find(path), f"static {path} missing from the installed package"
static = client.get("/static/" + next(p for p in page.split('"') if p.startswith("/static/vendor/htmx/"))[len("/static/"):])
assert static.status_code == 200, ("static file", static.status_code)
english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
assert "用户名" not in english.content.decode(), "the English catalog is not in the installed package"
from django.contrib.auth import get_user_model
client.force_login(get_user_model().objects.get(username="admin"))
home = client.get("/", follow=True)
assert home.status_code == 200, home.status_code
from pinggu.exports.charts import FONT_FILE, font_family
assert FONT_FILE.exists() and font_family(), "the vendored CJK font is not in the installed package"
print("test client: login page, static files, English catalog, home page as admin: ok")
PY

port=$("$tmp/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$pinggu" serve --bind "127.0.0.1:$port" --workers 1 > "$tmp/serve.log" 2>&1 &
serve_pid=$!
"$tmp/venv/bin/python" - "$port" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/accounts/login/"
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.status == 200
            break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"pinggu serve did not answer {url}")
        time.sleep(0.5)
print(f"pinggu serve: {url} answers 200")
PY
echo "wheelhouse smoke test passed: $wheelhouse"
