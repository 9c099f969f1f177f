"""Issue 11 §3: nothing that several app servers must agree on lives in one process's memory."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

PINGGU = str(Path(sys.executable).with_name("pinggu"))
SOURCE = Path(__file__).resolve().parents[2] / "pinggu"


def test_sessions_lockouts_tasks_and_cache_are_shared():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    # The production task backend keeps tasks in the database (the tests run them inline instead).
    from pinggu import settings as production

    assert production.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


@pytest.mark.django_db
def test_the_cache_is_a_database_table():
    cache.set("pinggu-shared", "甲", 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pinggu_cache")
        assert cursor.fetchone()[0] >= 1
    assert cache.get("pinggu-shared") == "甲"


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_cache_table():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE pinggu_cache")
    assert "pinggu_cache" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "pinggu_cache" in connection.introspection.table_names()


def _settings_in_a_process(env):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"
    return subprocess.run([sys.executable, "-c", f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'pinggu.settings'); {code}"],
                          env=env, check=True, capture_output=True, text=True).stdout.strip()


def test_redis_url_selects_redis(tmp_path):
    env = {**os.environ, "PINGGU_DATA_DIR": str(tmp_path), "PINGGU_REDIS_URL": "redis://10.0.0.5:6379/2"}
    assert _settings_in_a_process(env) == "django.core.cache.backends.redis.RedisCache redis://10.0.0.5:6379/2"


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_a_value_cached_by_one_process_is_read_by_another_through_redis(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        env = {**os.environ, "PINGGU_DATA_DIR": str(tmp_path), "PINGGU_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        subprocess.run([PINGGU, "shell", "-c", "from django.core.cache import cache; cache.set('shared', '乙县', 60)"],
                       env=env, check=True)
        read = subprocess.run([PINGGU, "shell", "-c", "from django.core.cache import cache; print(cache.get('shared'))"],
                              env=env, check=True, capture_output=True, text=True)
        assert read.stdout.strip().splitlines()[-1] == "乙县"
    finally:
        server.terminate()
        server.wait(10)


# Module-level state found in the audit, each harmless across processes: the same in every process,
# set once at start-up, never per user or per request.
ALLOWED_PROCESS_STATE = {
    "accounts/audit.py": "labels each app registers at start-up (_ACTIONS, _FIELDS, _VALUES)",
    "exports/charts.py": "the vendored font registered with matplotlib once per process (_family)",
    "campaigns/services.py": "the reviews app's open-round finder, wired in its ready() (_open_round_finder)",
}


def test_no_process_memory_caches_of_per_user_data():
    """A new lru_cache, module-level cache or `global` must be judged here before it can hide state from other servers."""
    pattern = re.compile(r"lru_cache|functools\.cache\b|@cache\b|cachetools|^\s*global\s|LocMemCache", re.M)
    found = {str(path.relative_to(SOURCE)) for path in SOURCE.rglob("*.py") if pattern.search(path.read_text())}
    assert found <= set(ALLOWED_PROCESS_STATE), found - set(ALLOWED_PROCESS_STATE)
