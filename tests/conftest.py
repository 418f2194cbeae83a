"""Test fixtures: a real database per test (SQLite by default, PostgreSQL via TEST_DATABASE_URL)."""

import datetime
import decimal
import http.server
import io
import itertools
import logging
import os
import re
import threading
import zipfile

import peewee
import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from app import create_app
from migrations import migrate
from models import (
    MINISTRY,
    DeclarationStatus,
    DeclarationYear,
    Organisation,
    ProfessionalField,
    Trainee,
    User,
    Workshop,
    db,
)
from services import workflow
from services.errors import InvalidTransition

PASSWORD = "Test#Pass2026"

# Full resident ID numbers found where none may appear: (where, masked sample).
PERSONAL_DATA_FINDINGS = []
PERSONAL_DATA_SCANS = itertools.count(1)
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def record_personal_data(where: str, text: str) -> None:
    """Note every valid resident ID number in ``text`` (log lines, cookies, flashes)."""
    from services.idnumbers import check_resident_id

    next(PERSONAL_DATA_SCANS)
    for candidate in _ID_CANDIDATE.findall(text):
        if check_resident_id(candidate.upper()) is None:
            PERSONAL_DATA_FINDINGS.append((where, candidate[:6] + "..."))


class PersonalDataLogHandler(logging.Handler):
    """Reads every log record after the same redaction the real handler applies."""

    def __init__(self):
        super().__init__()
        from logging_setup import RedactingFilter

        self.addFilter(RedactingFilter())
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record):
        record_personal_data(f"log {record.name}", self.format(record))


@pytest.fixture(scope="session", autouse=True)
def personal_data_watch():
    """Scan every log line of the run for full ID numbers; the session fails if one shows."""
    handler = PersonalDataLogHandler()
    logging.getLogger().addHandler(handler)
    yield
    logging.getLogger().removeHandler(handler)


def pytest_sessionfinish(session, exitstatus):
    from tests.scoreboard import SCOREBOARD

    scanned = next(PERSONAL_DATA_SCANS) - 1
    leaked = len(PERSONAL_DATA_FINDINGS)
    SCOREBOARD.add(
        "personal data: texts scanned for full ID numbers", attempts=scanned, refused=scanned - leaked, wrongly_accepted=leaked
    )
    SCOREBOARD.save()
    if PERSONAL_DATA_FINDINGS:
        print("\nFull ID numbers leaked:", PERSONAL_DATA_FINDINGS[:20])
        session.exitstatus = 1


_counter = itertools.count(1)


def _reset_postgres(url):
    database = peewee.PostgresqlDatabase(None)
    from urllib.parse import urlparse

    parsed = urlparse(url)
    database.init(parsed.path.lstrip("/"), host=parsed.hostname, port=parsed.port or 5432, user=parsed.username)
    with database.connection_context():
        database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        database.execute_sql("CREATE SCHEMA public")


@pytest.fixture
def database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app(tmp_path, database_url):
    """An application on a freshly migrated database, with uploads in a temporary folder."""
    application = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "TESTING": True,
            "PASSWORD_HASH_COST": "low",
            "RATELIMIT_STORAGE_URI": "memory://",
            "TRUSTED_HOSTS": ["localhost"],
        }
    )
    application.test_client_class = FreshContextClient
    with application.app_context():
        with db.connection_context():
            migrate()
        db.connect(reuse_if_open=True)
        yield application
        if not db.is_closed():
            db.close()
        db.obj.close_all()


@pytest.fixture
def client(app):
    return app.test_client()


class FreshContextClient(FlaskClient):
    """A test client whose requests each start with an empty ``g``.

    The fixtures keep an application context open for the test body, and Flask
    reuses it for requests; without this, Flask-Login's cached user and
    Flask-WTF's cached CSRF token would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g._get_current_object().__dict__.clear()
        response = super().open(*args, **kwargs)
        cookie = self.get_cookie(self.application.config["SESSION_COOKIE_NAME"])
        if cookie is not None:
            serializer = self.application.session_interface.get_signing_serializer(self.application)
            try:
                record_personal_data("session cookie", str(serializer.loads(cookie.value)))
            except Exception:  # noqa: BLE001 - an unreadable cookie holds nothing to scan
                pass
        return response


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf_token(client) -> str:
    """A CSRF token of the client's session, read from a page that carries one."""
    response = client.get("/account/password")
    if response.status_code != 200:
        response = client.get("/login")
    return csrf_token_from(response.get_data(as_text=True))


def login(client, username, password=PASSWORD):
    """Log in through the real login form; returns the response of the POST."""
    page = client.get("/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def post(client, url, data=None, **kwargs):
    """POST with a valid CSRF token of the client's session."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


@pytest.fixture
def make_org(app):
    """Factory: ``make_org(name, parent=None)`` creates an organisation with a unique code."""
    from services.accounts import create_organisation

    def factory(name, parent=None, **fields):
        return create_organisation(name, f"ORG{next(_counter):05d}", parent, **fields)

    return factory


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(org, username=None, admin=False)`` creates an account with PASSWORD."""
    from services.accounts import create_user

    def factory(organisation, username=None, admin=False, **fields):
        username = username or f"user{next(_counter)}"
        return create_user(username, f"用户{username}", organisation, PASSWORD, is_platform_admin=admin, **fields)

    return factory


@pytest.fixture
def reference_data(app):
    field = ProfessionalField.create(name="新一代信息技术", sort_order=1)
    DeclarationYear.create(year=2026, is_open=True)
    return {"field": field}


def zip_bytes(name="申报表.pdf", content=b"%PDF-1.4 scanned form"):
    """A small real zip archive, as a unit would pack its stamped declaration form.

    The entry has a fixed time stamp, so that two calls give the same bytes.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 9, 1, 8, 0, 0)), content)
    return buffer.getvalue()


@pytest.fixture
def make_attachment(app):
    """Factory: ``make_attachment(org, user=None)`` stores a real zip file as a declaration attachment."""
    from werkzeug.datastructures import FileStorage

    from services import storage

    def factory(organisation, user=None, filename="申报材料.zip", data=None):
        upload = FileStorage(stream=io.BytesIO(data or zip_bytes()), filename=filename)
        return storage.save_upload(
            upload, allowed=storage.ARCHIVE_TYPES, max_bytes=1 << 20, kind="declaration", organisation=organisation, user=user
        )

    return factory


@pytest.fixture
def make_workshop(app, reference_data, make_attachment):
    """Factory: ``make_workshop(org, status=draft, **fields)`` creates a complete declaration with its attachment."""

    def factory(organisation, status=DeclarationStatus.DRAFT, **fields):
        values = dict(
            year=2026,
            name=f"测试高级研修班{next(_counter)}",
            organisation=organisation,
            host_unit=organisation.name,
            field=reference_data["field"],
            amount=decimal.Decimal("12.50"),
            purpose="提升专业技术人员创新能力。",
            start_date=datetime.date(2026, 9, 1),
            end_date=datetime.date(2026, 9, 7),
            place="南京",
            contact_person="王老师",
            contact_phone="025-12345678",
            planned_trainees=50,
            status=status,
        )
        values.update(fields)
        if "attachment" not in values:
            values["attachment"] = make_attachment(organisation)
        return Workshop.create(**values)

    return factory


@pytest.fixture
def make_trainee(app):
    """Factory: ``make_trainee(workshop, id_number, name='张三', hours=40)`` stores an encrypted trainee."""
    from services.crypto import cipher
    from services.idnumbers import mask

    def factory(workshop, id_number, name="张三", hours=40, **fields):
        box = cipher()
        return Trainee.create(
            workshop=workshop,
            name=name,
            id_number_encrypted=box.encrypt(id_number),
            id_number_hash=box.lookup_hash(id_number),
            id_number_masked=mask(id_number),
            hours=decimal.Decimal(hours),
            **fields,
        )

    return factory


@pytest.fixture
def org_tree(make_org, make_user):
    """The ministry, two provinces with two units each, and one user per organisation.

    Keys: ``ministry``, ``prov_a``, ``prov_b``, ``unit_a1``, ``unit_a2``,
    ``unit_b1``, ``unit_b2`` (organisations) and the same with ``user_``
    prefixed (accounts), plus ``admin`` (platform administrator).
    """
    ministry = make_org("人社部专技司")
    assert ministry.level == MINISTRY
    tree = {"ministry": ministry}
    for province in ("a", "b"):
        tree[f"prov_{province}"] = make_org(f"省份{province.upper()}人社厅", ministry)
        for n in (1, 2):
            tree[f"unit_{province}{n}"] = make_org(f"单位{province.upper()}{n}", tree[f"prov_{province}"])
    users = {f"user_{key}": make_user(org, username=key.replace("_", "-")) for key, org in list(tree.items())}
    tree.update(users)
    tree["admin"] = make_user(ministry, username="platform-admin", admin=True)
    return tree


@pytest.fixture
def user_by_name():
    def lookup(username):
        return User.get(User.username == username)

    return lookup


@pytest.fixture
def reload():
    """Read a row again from the database."""

    def fetch(row):
        return type(row).get_by_id(row.id)

    return fetch


@pytest.fixture
def org_lookup():
    def lookup(name):
        return Organisation.get(Organisation.name == name)

    return lookup


@pytest.fixture(scope="session")
def scoreboard():
    """The run's scoreboard; saved to test-artifacts/ when the session ends."""
    from tests.scoreboard import SCOREBOARD

    yield SCOREBOARD
    SCOREBOARD.save()


def run_at_once(app, jobs):
    """Run each (user, workshop id, action) in its own thread, all released together, and return the outcomes.

    An outcome is "ok", "refused" for an InvalidTransition, or the repr of any
    other error. The threads meet at the barrier before they take a connection,
    so more threads than the pool holds wait for a free connection instead of
    deadlocking at the barrier.
    """
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, user, workshop_id, action):
        with app.app_context():
            barrier.wait()
            db.connect(reuse_if_open=True)
            try:
                workflow.perform(user, workshop_id, action)
                outcomes[index] = "ok"
            except InvalidTransition:
                outcomes[index] = "refused"
            except Exception as error:  # noqa: BLE001 - the test compares the outcomes
                outcomes[index] = repr(error)
            finally:
                db.close()

    threads = [threading.Thread(target=run, args=(index, *job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_listener():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    _RecordingHandler.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _RecordingHandler.requests
    server.shutdown()
    server.server_close()
