"""One large upload (default 1 GB) through each path: the plain multipart POST and the resumable tus upload.

Starts `pinggu serve` on a fresh data directory with the demo loaded (SQLite and the data directory
unless PINGGU_DATABASE_URL / PINGGU_STORAGE say otherwise), raises the demo campaign's per-file limit,
then sends the same generated PDF

  - as one multipart POST to /api/v1/campaigns/{id}/units/{unit}/checkpoints/{point}/evidence, and
  - through tus 1.0.0: POST …/checkpoints/{point}/uploads (Upload-Length, Upload-Metadata with the
    file name and the client's SHA-256) → 201 Location /api/v1/uploads/{id}, then PATCHes of
    --chunk-mb each (Upload-Offset, application/offset+octet-stream) → 204 with the new offset.
    When the server answers 404 to the creation, the tus path is skipped with a message.

For each it prints MB/s as a ratio to `cp` of the same bytes in the same run (target >= 0.5) and the
growth of the server's RSS (every process of `pinggu serve`) over its idle value (target < 64 MB).
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from _proc import instance, rss_kb, serving, skip_password_change, tree

ROOT = Path(__file__).resolve().parent.parent
PINGGU = str(ROOT / ".venv" / "bin" / "pinggu")
PASSWORD = "Bench-Passw0rd!"
MB = 1024 * 1024
BLOCK = 1024 * 1024


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        conn.request(method, path, body=body, headers=headers or {})
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered before reading the whole body (a refusal, e.g. 413): read that answer
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.headers, data


def api(port, method, path, payload, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, _, data = request(port, method, path, json.dumps(payload).encode(), headers)
    if status >= 400:
        raise SystemExit(f"{method} {path}: {status} {data[:300]!r}")
    return json.loads(data)


class Source:
    """The file's bytes, generated the same way each time: a PDF header, then one random block repeated."""

    def __init__(self, size):
        self.size = size
        self.block = os.urandom(BLOCK)
        self.first = b"%PDF-1.7\n" + self.block[9:]

    def chunks(self, start=0, end=None):
        end = self.size if end is None else end
        position = start
        while position < end:
            index, within = divmod(position, BLOCK)
            n = min(BLOCK - within, end - position)
            yield (self.first if index == 0 else self.block)[within:within + n]
            position += n

    def sha256(self):
        h = hashlib.sha256()
        for chunk in self.chunks():
            h.update(chunk)
        return h.hexdigest()


def cp_seconds(source, directory):
    """Seconds for `cp` to copy the same bytes within the data directory's file system (source in the page cache)."""
    src, dst = Path(directory) / "cp-src.pdf", Path(directory) / "cp-dst.pdf"
    with open(src, "wb") as fh:
        for chunk in source.chunks():
            fh.write(chunk)
    start = time.perf_counter()
    subprocess.run(["cp", str(src), str(dst)], check=True)
    elapsed = time.perf_counter() - start
    src.unlink()
    dst.unlink()
    return elapsed


class Memory:
    """Peak RSS of the whole server tree while a block runs, against its idle value just before."""

    def __init__(self, server):
        self.server = server

    def total(self):
        return sum(rss_kb(p) for p in tree(self.server.pid))

    def __enter__(self):
        time.sleep(0.5)
        self.idle = self.peak = self.total()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample)
        self.thread.start()
        return self

    def sample(self):
        while not self.done.is_set():
            self.peak = max(self.peak, self.total())
            time.sleep(0.05)

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    @property
    def growth_mb(self):
        return (self.peak - self.idle) / 1024


def plain(port, source, campaign, unit, point, token):
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"大文件-普通.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        yield from source.chunks()
        yield tail

    status, _, data = request(port, "POST", f"/api/v1/campaigns/{campaign}/units/{unit}/checkpoints/{point}/evidence", body(), {
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + source.size + len(tail)),
    })
    if status != 201:
        raise SystemExit(f"plain upload failed: {status} {data[:300]!r}")
    stored = json.loads(data)
    assert stored["size"] == source.size, stored


def tus(port, source, campaign, unit, point, token, sha256, chunk):
    """The tus 1.0.0 core protocol with the creation extension; False when the server has no tus endpoint."""
    def b64(text):
        return base64.b64encode(text.encode()).decode()

    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    status, headers, data = request(port, "POST", f"/api/v1/campaigns/{campaign}/units/{unit}/checkpoints/{point}/uploads", b"", {
        **auth, "Upload-Length": str(source.size), "Content-Length": "0",
        "Upload-Metadata": f"filename {b64('大文件-续传.pdf')},sha256 {b64(sha256)}",
    })
    if status == 404:
        return False
    if status != 201:
        raise SystemExit(f"tus creation failed: {status} {data[:300]!r}")
    location = urlsplit(headers["Location"]).path
    offset = 0
    while offset < source.size:
        end = min(source.size, offset + chunk)
        status, headers, data = request(port, "PATCH", location, source.chunks(offset, end), {
            **auth, "Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset),
            "Content-Length": str(end - offset),
        })
        if status != 204:
            raise SystemExit(f"tus PATCH at {offset} failed: {status} {data[:300]!r}")
        offset = int(headers["Upload-Offset"])
        if offset != end:
            raise SystemExit(f"tus PATCH: the server is at {offset}, {end} expected")
    status, headers, _ = request(port, "HEAD", location, None, auth)
    if status == 200 and int(headers.get("Upload-Offset", -1)) != source.size:
        raise SystemExit(f"tus HEAD after the last PATCH: offset {headers.get('Upload-Offset')}, {source.size} expected")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="upload size in MB (default 1024)")
    parser.add_argument("--chunk-mb", type=int, default=16,
                        help="bytes per tus PATCH, in MB (default 16, the server's PINGGU_UPLOAD_CHUNK_MB and the page's chunk)")
    args = parser.parse_args()
    source = Source(args.mb * MB)
    with instance(PINGGU, PASSWORD) as (data_dir, env):
        skip_password_change(PINGGU, env, "yyq")
        with serving(PINGGU, env) as (port, server):
            measure(args, source, data_dir, port, server)


def measure(args, source, data_dir, port, server):
    org = api(port, "POST", "/api/v1/auth/token", {"username": "admin", "password": PASSWORD})["token"]
    _, _, data = request(port, "GET", "/api/v1/campaigns", headers={"Authorization": f"Bearer {org}"})
    campaign = json.loads(data)[0]["id"]
    api(port, "PATCH", f"/api/v1/campaigns/{campaign}",
        {"max_file_bytes": source.size + MB, "unit_quota_bytes": 3 * source.size + MB}, org)
    token = api(port, "POST", "/api/v1/auth/token", {"username": "yyq", "password": PASSWORD})["token"]
    for _ in range(6):  # every worker warm before the idle value is taken
        request(port, "GET", f"/api/v1/campaigns/{campaign}/units/yyq/checklist", headers={"Authorization": f"Bearer {token}"})
    sha256 = source.sha256()
    cp_s = cp_seconds(source, data_dir)
    results = []
    with Memory(server) as memory:
        start = time.perf_counter()
        plain(port, source, campaign, "yyq", "C05", token)
        results.append(("plain multipart", time.perf_counter() - start, memory))
    with Memory(server) as memory:
        start = time.perf_counter()
        done = tus(port, source, campaign, "yyq", "C06", token, sha256, args.chunk_mb * MB)
        elapsed = time.perf_counter() - start
    if done:
        results.append((f"tus, {args.chunk_mb} MB PATCHes", elapsed, memory))
    cp_rate = source.size / MB / cp_s
    print(f"upload size            {args.mb} MB, through `pinggu serve` (gunicorn 2 workers), "
          f"{'S3' if os.environ.get('PINGGU_STORAGE') == 's3' else 'data directory'}")
    print(f"cp of the same bytes   {cp_rate:7.0f} MB/s")
    for label, seconds, memory in results:
        rate = source.size / MB / seconds
        print(f"{label:22} {rate:7.0f} MB/s   ratio to cp {rate / cp_rate:5.2f} (target >= 0.5)   "
              f"server RSS {memory.idle / 1024:.0f} → {memory.peak / 1024:.0f} MB, growth {memory.growth_mb:5.1f} MB (target < 64 MB)")
    if not done:
        print("tus                    skipped: the server answered 404 to the creation request (no resumable upload endpoint)")


if __name__ == "__main__":
    sys.exit(main())
