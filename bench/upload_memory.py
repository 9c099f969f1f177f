"""A 1 GB upload through the production server keeps its memory flat.

Starts `pinggu serve` (gunicorn) on a fresh data directory with the demo loaded,
raises the demo campaign's per-file limit, then streams a generated PDF of the
requested size to the API while sampling the RSS of every server process.
Prints the idle baseline, the peak during the upload, their ratio, and the
upload rate as a ratio to writing the same bytes to local disk in this run.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

from _proc import instance, rss_kb, serving, skip_password_change, tree

ROOT = Path(__file__).resolve().parent.parent
PINGGU = str(ROOT / ".venv" / "bin" / "pinggu")
PASSWORD = "Bench-Passw0rd!"
CHUNK = 1024 * 1024


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def api(port, method, path, payload, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, data = request(port, method, path, json.dumps(payload).encode(), headers)
    if status >= 400:
        raise SystemExit(f"{method} {path}: {status} {data[:300]!r}")
    return json.loads(data)


def multipart(size, boundary):
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"大文件.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = os.urandom(CHUNK)

    def body():
        yield head
        yield b"%PDF-1.7\n" + block[: CHUNK - 9]
        sent = CHUNK
        while sent < size:
            n = min(CHUNK, size - sent)
            yield block[:n]
            sent += n
        yield tail

    return body(), len(head) + size + len(tail)


def disk_baseline(size, directory):
    """Seconds to write the same number of bytes to local disk (fsync'd), as the yardstick."""
    path = Path(directory) / "baseline.bin"
    block = os.urandom(CHUNK)
    start = time.perf_counter()
    with open(path, "wb") as fh:
        written = 0
        while written < size:
            fh.write(block[: min(CHUNK, size - written)])
            written += CHUNK
        fh.flush()
        os.fsync(fh.fileno())
    elapsed = time.perf_counter() - start
    path.unlink()
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1024, help="upload size in MB (default 1024)")
    args = parser.parse_args()
    size = args.mb * 1024 * 1024
    with instance(PINGGU, PASSWORD) as (data_dir, env):
        skip_password_change(PINGGU, env, "yyq")
        with serving(PINGGU, env) as (port, server):
            measure(size, args.mb, data_dir, port, server)


def measure(size, mb, data_dir, port, server):
    """Upload `size` bytes to the running server while sampling its memory; print baseline, peak and rates."""
    org = api(port, "POST", "/api/v1/auth/token", {"username": "admin", "password": PASSWORD})["token"]
    status, data = request(port, "GET", "/api/v1/campaigns", headers={"Authorization": f"Bearer {org}"})
    campaign = json.loads(data)[0]["id"]
    api(port, "PATCH", f"/api/v1/campaigns/{campaign}",
        {"max_file_bytes": size + CHUNK, "unit_quota_bytes": 2 * size + CHUNK}, org)
    unit = api(port, "POST", "/api/v1/auth/token", {"username": "yyq", "password": PASSWORD})["token"]
    # Warm up every worker, then take the idle baseline.
    for _ in range(6):
        request(port, "GET", f"/api/v1/campaigns/{campaign}/units/yyq/checklist", headers={"Authorization": f"Bearer {unit}"})
    time.sleep(0.5)
    baseline = sum(rss_kb(p) for p in tree(server.pid))
    peak = {"kb": baseline}
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak["kb"] = max(peak["kb"], sum(rss_kb(p) for p in tree(server.pid)))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    boundary = uuid.uuid4().hex
    body, length = multipart(size, boundary)
    start = time.perf_counter()
    status, data = request(port, "POST", f"/api/v1/campaigns/{campaign}/units/yyq/checkpoints/C05/evidence", body, {
        "Authorization": f"Bearer {unit}", "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
    })
    upload_s = time.perf_counter() - start
    done.set()
    sampler.join()
    if status != 201:
        raise SystemExit(f"upload failed: {status} {data[:300]!r}")
    stored = json.loads(data)
    assert stored["size"] == size, stored
    disk_s = disk_baseline(size, data_dir)
    print(f"upload size            {mb} MB")
    print(f"server RSS idle        {baseline / 1024:.1f} MB (all processes)")
    print(f"server RSS peak        {peak['kb'] / 1024:.1f} MB")
    print(f"peak / idle            {peak['kb'] / baseline:.2f}  (flat memory: close to 1, far below size/idle = {size / 1024 / baseline:.1f})")
    print(f"upload rate            {size / upload_s / 1e6:.0f} MB/s")
    print(f"disk write rate        {size / disk_s / 1e6:.0f} MB/s (same bytes, same run)")
    print(f"upload / disk ratio    {disk_s / upload_s:.2f}")


if __name__ == "__main__":
    sys.exit(main())
