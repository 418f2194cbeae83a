"""Shared set-up of the benchmarks: an application on a fresh database with a small organisation tree."""

import datetime
import decimal
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench#Pass2026"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def is_sqlite_url(url) -> bool:
    return not url or url.startswith("sqlite")


class RssSampler:
    """Sample the resident memory every few milliseconds while the block runs; ``peak_mb`` is the highest sample.

    ru_maxrss cannot be used here: importing services.auth hashes a dummy
    password with Argon2's 64 MiB memory cost, which sets the process peak
    before anything is measured.
    """

    def __init__(self, interval=0.005):
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = None

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, current_rss_mb())

    def __enter__(self):
        import threading

        self.before_mb = self.peak_mb = current_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, current_rss_mb())
        return False


def make_app(database_url=None, folder=None):
    """Create the app on a database, migrated (a SQLite file in ``folder`` unless ``database_url`` is given).

    A PostgreSQL database is emptied first unless ``folder`` already contains
    an instance folder, which the export benchmark reuses from its seeding process.
    """
    from app import create_app
    from migrations import migrate
    from models import db

    reuse = folder is not None and (Path(folder) / "instance").exists()
    folder = Path(folder or tempfile.mkdtemp(prefix="zhigeng-bench-"))
    if database_url and database_url.startswith("postgres") and not reuse:
        _reset_postgres(database_url)
    url = database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": url,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "PASSWORD_HASH_COST": "low",
            "LOG_LEVEL": "WARNING",
        }
    )
    context = app.app_context()
    context.push()
    db.connect(reuse_if_open=True)
    migrate()
    return app


def _reset_postgres(url):
    from urllib.parse import urlparse

    import peewee

    parsed = urlparse(url)
    database = peewee.PostgresqlDatabase(
        parsed.path.lstrip("/"), host=parsed.hostname, port=parsed.port or 5432, user=parsed.username
    )
    with database.connection_context():
        database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        database.execute_sql("CREATE SCHEMA public")


def seed_tree():
    """Ministry, one province and one unit, with a ministry reviewer and a province administrator."""
    from services.accounts import create_organisation, create_user

    ministry = create_organisation("人社部专技司", "BENCH-M")
    province = create_organisation("基准测试省人社厅", "BENCH-P", ministry)
    unit = create_organisation("基准测试单位", "BENCH-U", province)
    reviewer = create_user("bench-ministry", "审核员", ministry, PASSWORD)
    manager = create_user("bench-province", "省级管理员", province, PASSWORD)
    return {"ministry": ministry, "province": province, "unit": unit, "reviewer": reviewer, "manager": manager}


def make_workshops(unit, count):
    from models import DeclarationStatus, Workshop

    rows = [
        {
            "year": 2026,
            "name": f"基准测试高级研修班{n}",
            "organisation": unit.id,
            "declared_on": datetime.date(2026, 3, 1),
            "status": DeclarationStatus.APPROVED,
            "amount": decimal.Decimal("10.00"),
        }
        for n in range(count)
    ]
    for start in range(0, count, 500):
        Workshop.insert_many(rows[start : start + 500]).execute()
    return [w.id for w in Workshop.select(Workshop.id).order_by(Workshop.id)]


def login(client, username):
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 302, response.status_code


def run_child(script, *args) -> dict:
    """Run ``script`` in a new Python process (so that its peak memory is its own) and return its JSON line."""
    output = subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])
