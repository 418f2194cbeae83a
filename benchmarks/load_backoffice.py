"""Benchmark: back-office users and the public certificate search at once, under gunicorn.

Usage: python benchmarks/load_backoffice.py [--duration 60] [--users 30] [--search-rps 50]
       [--port 8000] [--database-url postgresql://postgres@127.0.0.1:5432/test_load]

The script builds a fresh instance folder in a temporary directory, migrates it
with ``flask --app app db upgrade``, loads the demo data with ``flask --app app
load-demo``, adds issued certificates with seed_certificates.py, then creates
its own accounts and workshops through the application's services (accounts,
declarations, workflow). It starts the README's production command
(``gunicorn -w 4 -b 127.0.0.1:PORT 'app:create_app()'``) with the public search
rate limits and the captcha threshold raised through their settings.

Each back-office user logs in over HTTP with its own session and opens the
workshop list once before the measured window, so that every worker process
has compiled its templates. For ``--duration`` seconds the users then work,
each with its own CSRF tokens, pausing about ``--think`` seconds between pages
as a person does:

- unit users open the workshop list and details pages and edit and save their
  own drafts (the declaration form posted as multipart, as the browser sends it);
- province users open the list and details pages, pass or reject submitted
  declarations on the initial review page and forward passed ones to the ministry;
- ministry users open the list and details pages and approve or reject
  forwarded declarations through the list's bulk action and its confirmation page.

Meanwhile a paced generator posts ``--search-rps`` public searches per second,
each a name and an ID number with the page's CSRF token. Some are hits. The
misses are of three kinds: an unknown ID number, a known ID number with another
name, and a person whose certificate is not issued yet.

Every request's status and latency is recorded. A write counts as acknowledged
when the application responded with success (a redirect to the details page
and a success message). After the run the server is stopped and the database
is compared with the acknowledged writes: each workshop's version, status,
saved text and field (which the saves post unchanged), and the audit records.
The script prints the figures against the targets and exits with status 1 when
one is missed.
"""

import argparse
import base64
import datetime
import decimal
import html
import io
import math
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import client as http_client
from http.cookies import SimpleCookie
from pathlib import Path

from common import ROOT, _reset_postgres
from public_search import GUNICORN, RAISED_LIMITS, form_bodies, read_people, stop_server, wait_for_port

FLASK = str(Path(sys.executable).with_name("flask"))
PASSWORD = "Load#Bench2026"
TARGET_BACKOFFICE_P95_MS = 1000
TARGET_SEARCH_P95_MS = 300
# Share of each role among the back-office users; the rest are unit users.
MINISTRY_SHARE, PROVINCE_SHARE = 0.2, 0.3
DRAFTS_PER_UNIT_USER = 3
OTHER_NAME = "欧阳测试"  # four characters: no synthetic name has this many

# Request classes. Back-office classes are all but the public ones.
PUBLIC_CLASSES = ("search",)


# ---------------------------------------------------------------------------
# Recording


@dataclass
class Record:
    kind: str
    status: int  # 0: no response (timed out, connection refused or reset)
    seconds: float
    started: float


@dataclass
class Ledger:
    """Acknowledged and unconfirmed writes per workshop, and what each user saved last."""

    acknowledged: Counter = field(default_factory=Counter)
    unconfirmed: Counter = field(default_factory=Counter)
    last_status: dict = field(default_factory=dict)
    last_purpose: dict = field(default_factory=dict)
    by_kind: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledge(self, workshop_id, kind, status=None, purpose=None):
        with self.lock:
            self.acknowledged[workshop_id] += 1
            self.by_kind[kind] += 1
            if status is not None:
                self.last_status[workshop_id] = status
            if purpose is not None:
                self.last_purpose[workshop_id] = purpose

    def unconfirm(self, workshop_id):
        with self.lock:
            self.unconfirmed[workshop_id] += 1


class Browser:
    """One person's browser: its own cookies, a new connection per request (gunicorn's sync workers close them)."""

    def __init__(self, port: int, records: list, recording: threading.Event):
        self.port = port
        self.cookies = {}
        self.records = records
        self.recording = recording

    def request(self, kind, method, path, body=None, content_type=None):
        """Send one request without following redirects; return (status, location, text)."""
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "zhigeng-load-benchmark"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        started = time.monotonic()
        status, location, text = 0, "", ""
        try:
            connection = http_client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                status = response.status
                location = response.getheader("Location", "")
                for value in response.headers.get_all("Set-Cookie") or ():
                    for name, morsel in SimpleCookie(value).items():
                        self.cookies[name] = morsel.value
            finally:
                connection.close()
        except (OSError, http_client.HTTPException):
            status = 0
        if self.recording.is_set():
            self.records.append(Record(kind, status, time.monotonic() - started, started))
        return status, location, text

    def get(self, kind, path):
        return self.request(kind, "GET", path)

    def post(self, kind, path, fields, multipart=False):
        if multipart:
            body, content_type = multipart_body(fields)
        else:
            body, content_type = urllib.parse.urlencode(fields, doseq=True).encode(), None
        return self.request(kind, "POST", path, body, content_type)

    def follow(self, kind, location):
        """Open the page a redirect points to, as the browser does after a POST."""
        parts = urllib.parse.urlsplit(location)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.get(kind, path)


def multipart_body(fields):
    """Encode form fields as multipart/form-data, with an empty file part as a browser sends for no file chosen."""
    boundary = "----zhigeng" + secrets.token_hex(12)
    chunks = []
    for name, value in fields:
        if name == "attachment":
            header = f'Content-Disposition: form-data; name="{name}"; filename=""\r\nContent-Type: application/octet-stream'
            value = ""
        else:
            header = f'Content-Disposition: form-data; name="{name}"'
        chunks.append(f"--{boundary}\r\n{header}\r\n\r\n{value}\r\n".encode())
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------------
# Reading pages


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ALERT = re.compile(r'class="alert alert-(\w+)')


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    return match.group(1) if match else ""


def alerts(page: str) -> list[str]:
    return ALERT.findall(page)


def declaration_fields(page: str) -> list[tuple[str, str]]:
    """Return the fields the browser would post from the declaration form, in page order."""
    start = page.find('id="declaration-form"')
    form = page[start : page.find("</form>", start)]
    fields = []
    for match in re.finditer(r"<(input|select|textarea)\b([^>]*)>", form):
        tag, attributes = match.group(1), match.group(2)
        name = re.search(r'\bname="([^"]*)"', attributes)
        if not name:
            continue
        name = name.group(1)
        if tag == "input":
            kind = (re.search(r'\btype="([^"]*)"', attributes) or [None, "text"])[1]
            if kind in ("submit", "button"):
                continue
            if kind in ("radio", "checkbox") and not re.search(r"\bchecked\b", attributes):
                continue
            value = re.search(r'\bvalue="([^"]*)"', attributes)
            fields.append((name, html.unescape(value.group(1)) if value else ""))
        elif tag == "textarea":
            body = form[match.end() : form.find("</textarea>", match.end())]
            # The browser drops one newline right after <textarea>.
            fields.append((name, html.unescape(body[1:] if body.startswith("\n") else body)))
        else:
            options = form[match.end() : form.find("</select>", match.end())]
            chosen = re.search(r'<option\b[^>]*\bselected\b[^>]*value="([^"]*)"', options) or re.search(
                r'<option\b[^>]*value="([^"]*)"', options
            )
            fields.append((name, html.unescape(chosen.group(1)) if chosen else ""))
    return fields


# ---------------------------------------------------------------------------
# Preparing the instance


def free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port on 127.0.0.1 from {preferred} to {preferred + 49}; pass another --port")


def settings(folder: Path, database_url: str, redis_url: str) -> dict:
    """Environment of every step: one instance folder, fixed keys, raised public limits."""
    env = dict(os.environ)
    env.update(RAISED_LIMITS)
    env.update(
        {
            "ZHIGENG_INSTANCE": str(folder / "instance"),
            "DATABASE_URL": database_url or f"sqlite:///{folder / 'instance' / 'zhigeng.db'}",
            "ZHIGENG_SECRET_KEY": secrets.token_hex(32),
            "ZHIGENG_ID_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "ZHIGENG_UPLOAD_FOLDER": str(folder / "uploads"),
            "ZHIGENG_TRUSTED_HOSTS": "127.0.0.1,localhost",
            "ZHIGENG_LOG_LEVEL": "INFO",
        }
    )
    if redis_url:
        env["ZHIGENG_REDIS_URL"] = redis_url
    return env


def run_step(command: list, env: dict, log) -> None:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    print(f"  {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}: {time.perf_counter() - started:.1f} s")


def archive(name: str):
    from werkzeug.datastructures import FileStorage

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as packed:
        packed.writestr("申报表.txt", f"{name}（负载测试文件）".encode())
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=f"{name}.zip")


def declaration_data(name, organisation, field_id, number):
    start = datetime.date(2026, 9, 1) + datetime.timedelta(days=number % 60)
    return {
        "year": 2026,
        "name": name,
        "host_unit": organisation.name,
        "field": field_id,
        "is_featured": False,
        "featured_years": None,
        "self_funded": False,
        "amount": decimal.Decimal("15.00"),
        "purpose": "负载测试用申报：研修目标、课程安排与授课专家。",
        "start_date": start,
        "end_date": start + datetime.timedelta(days=5),
        "place": organisation.region or "北京市",
        "contact_person": organisation.contact_person or "联系人",
        "contact_phone": organisation.phone or "010-12345678",
        "planned_trainees": 50,
    }


@dataclass
class Person:
    username: str
    role: str  # unit, province, ministry
    workshops: list  # ids this person works on, in order


def seed_workload(users: int, pool: int) -> tuple[list, dict]:
    """Create the benchmark's accounts and workshops through the services; return people and initial state."""
    from models import Organisation, ProfessionalField, User, Workshop
    from services import declarations, workflow
    from services.accounts import create_user

    by_code = {o.code: o for o in Organisation.select()}
    demo_users = {u.username: u for u in User.select()}
    units = [("JS-NJTECH", "unit-a1"), ("JS-JAAS", "unit-a2"), ("GD-SCUT", "unit-b1"), ("GD-GDPH", "unit-b2")]
    units.append(("CAST-CIE", "unit-c1"))
    provinces = {"JS-RSJ": ["JS-NJTECH", "JS-JAAS"], "GD-RSJ": ["GD-SCUT", "GD-GDPH"], "CAST": ["CAST-CIE"]}
    province_users = {"JS-RSJ": "prov-a", "GD-RSJ": "prov-b", "CAST": "prov-c"}
    fields = [f.id for f in ProfessionalField.select()]

    ministry_count = max(1, round(users * MINISTRY_SHARE))
    province_count = max(1, round(users * PROVINCE_SHARE))
    unit_count = max(1, users - ministry_count - province_count)
    people, counter = [], 0

    def declare(unit_code, label, actor=None):
        nonlocal counter
        counter += 1
        organisation = by_code[unit_code]
        creator = actor or demo_users[dict(units)[unit_code]]
        name = f"负载测试高级研修班{label}-{counter:04d}"
        data = declaration_data(name, organisation, fields[counter % len(fields)], counter)
        return declarations.create_declaration(creator, data, archive(name))

    for n in range(unit_count):
        code = units[n % len(units)][0]
        user = create_user(f"load-unit-{n + 1:02d}", f"负载测试申报员{n + 1}", by_code[code], PASSWORD)
        drafts = [declare(code, f"U{n + 1:02d}", user).id for _ in range(DRAFTS_PER_UNIT_USER)]
        people.append(Person(user.username, "unit", drafts))

    for n in range(province_count):
        code = list(provinces)[n % len(provinces)]
        user = create_user(f"load-prov-{n + 1:02d}", f"负载测试省级审核员{n + 1}", by_code[code], PASSWORD)
        ids = []
        for i in range(pool):
            unit_code = provinces[code][i % len(provinces[code])]
            workshop = declare(unit_code, f"P{n + 1:02d}")
            workflow.perform(workshop.created_by, workshop.id, "submit")
            ids.append(workshop.id)
        people.append(Person(user.username, "province", ids))

    for n in range(ministry_count):
        user = create_user(f"load-ministry-{n + 1:02d}", f"负载测试专技司审核员{n + 1}", by_code["MOHRSS-ZJS"], PASSWORD)
        ids = []
        for i in range(pool):
            unit_code = units[i % len(units)][0]
            province = next(p for p, members in provinces.items() if unit_code in members)
            reviewer = demo_users[province_users[province]]
            workshop = declare(unit_code, f"M{n + 1:02d}")
            workflow.perform(workshop.created_by, workshop.id, "submit")
            workflow.perform(reviewer, workshop.id, "initial_approve")
            workflow.perform(reviewer, workshop.id, "forward_to_ministry")
            ids.append(workshop.id)
        people.append(Person(user.username, "ministry", ids))

    every = [i for person in people for i in person.workshops]
    state = {w.id: (w.version, w.status, w.purpose, w.field_id) for w in Workshop.select().where(Workshop.id.in_(every))}
    return people, state


def search_people():
    """Name and ID number pairs of trainees whose certificates are not issued yet (the demo's lists in progress)."""
    from models import CertificateStatus, DocumentType, Trainee, Workshop
    from services.crypto import cipher

    box = cipher()
    query = (
        Trainee.select(Trainee.name, Trainee.id_number_encrypted)
        .join(Workshop)
        .where((Workshop.certificate_status != CertificateStatus.GENERATED) & (Trainee.document_type == DocumentType.RESIDENT_ID))
    )
    return [(row.name, box.decrypt(row.id_number_encrypted)) for row in query]


def write_counts(ids) -> tuple[int, int]:
    """Workshops in total, and audit records of the benchmark's workshops that stand for writes."""
    from models import AuditRecord, Workshop

    writes = ("edit", "initial_approve", "initial_reject", "forward_to_ministry", "approve", "reject")
    audit = AuditRecord.select().where(AuditRecord.workshop_id.in_(list(ids)) & AuditRecord.action.in_(writes)).count()
    return Workshop.select().count(), audit


def open_app(env):
    """Create the application in this process on the benchmark's database, for seeding and checking."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("ZHIGENG_") or k == "DATABASE_URL"})
    os.environ["ZHIGENG_LOG_LEVEL"] = "WARNING"
    from app import create_app

    return create_app()


# ---------------------------------------------------------------------------
# Back-office users


class Worker(threading.Thread):
    def __init__(self, person: Person, browser: Browser, ledger: Ledger, stop: threading.Event, think: float, seed: int):
        super().__init__(daemon=True)
        self.person = person
        self.browser = browser
        self.ledger = ledger
        self.stop_event = stop
        self.think_seconds = think
        self.rng = random.Random(seed)
        self.queue = list(person.workshops)
        self.saves = Counter()
        self.exhausted = False

    def think(self):
        if self.think_seconds:
            self.stop_event.wait(self.rng.uniform(0.5, 1.5) * self.think_seconds)

    def login(self) -> bool:
        status, _, page = self.browser.get("login page", "/login")
        fields = {"username": self.person.username, "password": PASSWORD, "csrf_token": csrf_token(page), "next": ""}
        status, location, _ = self.browser.post("login", "/login", fields)
        return status == 302 and "/login" not in location

    def run(self):
        tasks = {
            "unit": [(self.open_list, 3), (self.open_details, 3), (self.edit_draft, 4)],
            "province": [(self.open_list, 2), (self.open_details, 2), (self.initial_review, 6)],
            "ministry": [(self.open_list, 3), (self.open_details, 2), (self.ministry_review, 5)],
        }[self.person.role]
        actions, weights = zip(*tasks, strict=True)
        # Users start over the first pause instead of all in the same instant.
        self.stop_event.wait(self.rng.uniform(0, self.think_seconds))
        while not self.stop_event.is_set():
            self.rng.choices(actions, weights)[0]()
            self.think()

    def open_list(self):
        choices = ["/admin/workshops/", "/admin/workshops/?page=1", "/admin/workshops/?search=%E9%AB%98%E7%BA%A7"]
        if self.person.role != "unit":
            choices.append("/admin/workshops/?flt0_1=initial_submitted")
            choices.append("/admin/workshops/?flt0_1=ministry_submitted")
        self.browser.get("list", self.rng.choice(choices))

    def open_details(self):
        workshop_id = self.rng.choice(self.person.workshops)
        self.browser.get("details", f"/admin/workshops/details/?id={workshop_id}")

    def edit_draft(self):
        workshop_id = self.rng.choice(self.person.workshops)
        status, _, page = self.browser.get("edit form", f"/admin/workshops/declare/edit/?id={workshop_id}")
        if status != 200:
            return
        self.think()
        self.saves[workshop_id] += 1
        purpose = f"负载测试用申报：研修目标、课程安排与授课专家。第{self.saves[workshop_id]}次修改。"
        fields = []
        for name, value in declaration_fields(page):
            if name == "purpose":
                value = purpose
            elif name == "planned_trainees":
                value = str(40 + self.saves[workshop_id] % 50)
            fields.append((name, value))
        fields.append(("_save", "1"))
        path = f"/admin/workshops/declare/edit/?id={workshop_id}"
        status, location, _ = self.browser.post("save", path, fields, multipart=True)
        self.settle(workshop_id, "save", status, location, purpose=purpose)

    def settle(self, workshop_id, kind, status, location, new_status=None, purpose=None):
        """Open the page the response redirects to and decide whether the write was acknowledged."""
        if status == 302 and "/details/" in location:
            page_status, _, page = self.browser.follow("details", location)
            if page_status == 200 and "success" in alerts(page):
                self.ledger.acknowledge(workshop_id, kind, status=new_status, purpose=purpose)
                return True
            if page_status != 200:
                self.ledger.unconfirm(workshop_id)
        elif status == 0 or status >= 500:
            self.ledger.unconfirm(workshop_id)
        elif status == 302:
            self.browser.follow("review page", location)
        return False

    def next_workshop(self):
        if not self.queue:
            self.exhausted = True
            return None
        return self.queue.pop(0)

    def initial_review(self):
        workshop_id = self.next_workshop()
        if workshop_id is None:
            return self.open_list()
        self.browser.get("details", f"/admin/workshops/details/?id={workshop_id}")
        self.think()
        status, _, page = self.browser.get("review page", f"/admin/workshops/review/?id={workshop_id}")
        if status != 200:
            return None
        self.think()
        fields = {"csrf_token": csrf_token(page), "id": workshop_id, "action": "initial_approve"}
        if self.rng.random() < 0.3:
            fields.update(action="initial_reject", reason="课程安排不完整，请补充后重新提交。")
        target = "initial_approved" if fields["action"] == "initial_approve" else "initial_rejected"
        status, location, _ = self.browser.post("transition", "/admin/workshops/transition/", fields)
        done = self.settle(workshop_id, "initial review", status, location, new_status=target)
        if done and target == "initial_approved" and self.rng.random() < 0.6:
            self.think()
            fields = {"csrf_token": fields["csrf_token"], "id": workshop_id, "action": "forward_to_ministry"}
            status, location, _ = self.browser.post("transition", "/admin/workshops/transition/", fields)
            self.settle(workshop_id, "forward", status, location, new_status="ministry_submitted")
        return None

    def ministry_review(self):
        batch = [self.next_workshop() for _ in range(self.rng.choice((1, 1, 2, 3)))]
        batch = [i for i in batch if i is not None]
        if not batch:
            return self.open_list()

        status, _, page = self.browser.get("list", "/admin/workshops/?flt0_1=ministry_submitted")
        if status != 200:
            return None
        self.think()
        action = "approve" if self.rng.random() < 0.75 else "reject"
        fields = [("csrf_token", csrf_token(page)), ("action", action), ("url", "/admin/workshops/")]
        fields += [("rowid", str(i)) for i in batch]
        status, _, page = self.browser.post("bulk confirm", "/admin/workshops/action/", fields)
        if status != 200:
            return None

        self.think()
        rows = re.findall(r'name="rowid" value="(\d+)"', page)
        fields = [("csrf_token", csrf_token(page)), ("action", action)] + [("rowid", r) for r in rows]
        if action == "reject":
            fields.append(("reason", "经费测算依据不足，不予批准。"))
        status, location, _ = self.browser.post("bulk apply", "/admin/workshops/bulk/", fields)
        if status == 302:
            page_status, _, page = self.browser.follow("list", location)
            # NOTE: reads the zh_Hans_CN message "%(num)d workshops done."; a changed translation breaks it.
            done = re.search(r"已处理 (\d+) 个高研班", page) if page_status == 200 else None
            if done and int(done.group(1)) == len(batch) and sorted(rows) == sorted(map(str, batch)):
                for workshop_id in batch:
                    self.ledger.acknowledge(workshop_id, action, status="approved" if action == "approve" else "rejected")
                return None
        for workshop_id in batch:
            self.ledger.unconfirm(workshop_id)
        return None


# ---------------------------------------------------------------------------
# Public search


class SearchLoad:
    """Post searches at a fixed rate from a pool of visitor sessions, whatever the response latency."""

    MIX = (("hit", 4), ("unknown ID number", 2), ("other name", 2), ("not issued", 2))

    def __init__(self, port, rps, records, recording, people, waiting, visitors=20):
        self.rps = rps
        self.records = records
        self.sent = 0
        self.late = 0
        self.elapsed = 0.0
        self.wrong = Counter()
        self.kinds = Counter()
        self.rng = random.Random(7)
        self.visitors = []
        for _ in range(visitors):
            browser = Browser(port, records, recording)
            status, _, page = browser.get("search page", "/")
            token = csrf_token(page)
            bodies = {
                "hit": form_bodies(people, token, miss=False),
                "unknown ID number": form_bodies(people, token, miss=True),
                "other name": [
                    urllib.parse.urlencode({"csrf_token": token, "name": OTHER_NAME, "id_number": n}) for _, n in people
                ],
                "not issued": [
                    urllib.parse.urlencode({"csrf_token": token, "name": name, "id_number": n}) for name, n in waiting
                ],
            }
            self.visitors.append((browser, bodies))

    def one(self, kind):
        browser, bodies = self.rng.choice(self.visitors)
        body = self.rng.choice(bodies[kind]).encode()
        status, _, page = browser.request("search", "POST", "/", body)
        if status == 200:
            found = 'class="result-link"' in page
            if found != (kind == "hit"):
                self.wrong[kind] += 1

    def run(self, seconds, stop):
        kinds, weights = zip(*self.MIX, strict=True)
        interval = 1 / self.rps
        with ThreadPoolExecutor(max_workers=48) as pool:
            start = time.monotonic()
            due = start
            while due < start + seconds and not stop.is_set():
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
                elif now - due > 0.1:
                    self.late += 1
                kind = self.rng.choices(kinds, weights)[0]
                self.kinds[kind] += 1
                pool.submit(self.one, kind)
                self.sent += 1
                due += interval
        self.elapsed = time.monotonic() - start


# ---------------------------------------------------------------------------
# Figures


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    # Nearest rank: the smallest value with at least this share of values at or below it.
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def summary(values):
    return " ".join(f"p{int(q * 100)} {percentile(values, q) * 1000:7.1f} ms" for q in (0.5, 0.95, 0.99))


def verdict(ok):
    return "PASS" if ok else "FAIL"


def machine_busy_ticks() -> tuple[int, int]:
    """Return the busy and total CPU ticks of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


def server_ticks(master_pid: int) -> int:
    """Return the CPU ticks used so far by the gunicorn master and its live workers."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, ..., utime and stime are the 12th and 13th fields.
        if int(entry) == master_pid or int(fields[1]) == master_pid:
            total += int(fields[11]) + int(fields[12])
    return total


class MachineSampler(threading.Thread):
    """Samples, every ``interval`` seconds, the load average and the CPU used by the machine and by the server."""

    def __init__(self, stop, server_pid, interval=5):
        super().__init__(daemon=True)
        self.stop_event = stop
        self.server_pid = server_pid
        self.interval = interval
        self.loads = [os.getloadavg()[0]]
        # One row per interval: (end time, machine busy share of all cores, server share of all cores).
        self.slices = []

    def run(self):
        busy, total = machine_busy_ticks()
        server = server_ticks(self.server_pid)
        while not self.stop_event.wait(self.interval):
            self.loads.append(os.getloadavg()[0])
            now_busy, now_total = machine_busy_ticks()
            now_server = server_ticks(self.server_pid)
            elapsed = max(1, now_total - total)
            self.slices.append((time.monotonic(), (now_busy - busy) / elapsed, (now_server - server) / elapsed))
            busy, total, server = now_busy, now_total, now_server


def print_slices(records, sampler, window_start):
    """Print p95 latencies and CPU use per sampling interval, to tell server saturation from busy neighbours."""
    print(f"per {sampler.interval} s (CPU as a share of all {os.cpu_count()} cores; server: gunicorn and its workers):")
    print(f"{'seconds':>9} {'load':>5} {'machine CPU':>11} {'server CPU':>10} {'back-office p95':>15} {'search p95':>10}")
    start = window_start
    for end, machine, server in sampler.slices:
        inside = [r for r in records if start <= r.started < end]
        office = [r.seconds for r in inside if r.kind not in PUBLIC_CLASSES]
        searches = [r.seconds for r in inside if r.kind in PUBLIC_CLASSES]
        index = sampler.slices.index((end, machine, server)) + 1
        load = sampler.loads[min(index, len(sampler.loads) - 1)]
        print(
            f"{start - window_start:4.0f}-{end - window_start:<4.0f} {load:5.1f} {machine:11.0%} {server:10.0%} "
            f"{percentile(office, 0.95) * 1000:12.0f} ms {percentile(searches, 0.95) * 1000:7.0f} ms"
        )
        start = end


def check_writes(people, before, ledger, counts_before) -> dict:
    from models import Workshop

    ids = [i for person in people for i in person.workshops]
    found = {w.id: (w.version, w.status, w.purpose, w.field_id) for w in Workshop.select().where(Workshop.id.in_(ids))}
    result = Counter()
    for workshop_id in ids:
        version, status, purpose, field_id = found[workshop_id]
        start_version, start_status, start_purpose, start_field = before[workshop_id]
        written = version - start_version
        acknowledged = ledger.acknowledged[workshop_id]
        result["found"] += written
        result["lost"] += max(0, acknowledged - written)
        extra = max(0, written - acknowledged)
        # A write without a response (timed out, 5xx) may or may not have landed.
        result["unanswered landed"] += min(extra, ledger.unconfirmed[workshop_id])
        result["phantom"] += max(0, extra - ledger.unconfirmed[workshop_id])
        if not ledger.unconfirmed[workshop_id]:
            if status != ledger.last_status.get(workshop_id, start_status):
                result["status mismatches"] += 1
            if purpose != ledger.last_purpose.get(workshop_id, start_purpose):
                result["text mismatches"] += 1
        # Saves post the field shown on the form, so it must stay as seeded.
        if field_id != start_field:
            result["field changes"] += 1
    total, audit = write_counts(ids)
    result["workshops before"], result["workshops after"] = counts_before[0], total
    result["audit written"] = audit - counts_before[1]
    return result


def report(args, records, search, ledger, writes, sampler, window_start, workers, window, client_cpu):
    loads = sampler.loads
    print()
    print(
        f"load average (1 min) during the run: mean {sum(loads) / len(loads):.1f}, max {max(loads):.1f} on {os.cpu_count()} cores"
    )
    print(f"load generator (this process): {client_cpu:.0f} s of CPU in {window:.0f} s, {client_cpu / window:.0%} of one core")
    print(f"{'class':<14} {'requests':>8} {'5xx':>5} {'no answer':>9}   latency")
    by_kind = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
    for kind in sorted(by_kind, key=lambda k: (k in PUBLIC_CLASSES, k)):
        rows = by_kind[kind]
        errors = sum(1 for r in rows if r.status >= 500)
        unanswered = sum(1 for r in rows if r.status == 0)
        print(f"{kind:<14} {len(rows):8d} {errors:5d} {unanswered:9d}   {summary([r.seconds for r in rows])}")
    print_slices(records, sampler, window_start)
    statuses = Counter(r.status for r in records)
    print("status codes: " + ", ".join(f"{code or 'none'}: {count}" for code, count in sorted(statuses.items())))

    office = [r.seconds for r in records if r.kind not in PUBLIC_CLASSES]
    searches = [r for r in records if r.kind == "search"]
    server_errors = sum(1 for r in records if r.status >= 500)
    unanswered = sum(1 for r in records if r.status == 0)
    rate = len(searches) / search.elapsed
    office_p95 = percentile(office, 0.95) * 1000
    search_p95 = percentile([r.seconds for r in searches], 0.95) * 1000
    exhausted = sum(1 for w in workers if w.exhausted)

    print()
    print(f"back office: {len(office)} requests from {len(workers)} users, {len(office) / window:.1f} per second")
    print(f"  {summary(office)}")
    print(f"public search: {len(searches)} searches, {rate:.1f} per second of {args.search_rps} asked")
    print(f"  {summary([r.seconds for r in searches])}")
    print("  mix: " + ", ".join(f"{kind} {count}" for kind, count in search.kinds.items()))
    print(f"  wrong answers (a hit without a result or a miss with one): {sum(search.wrong.values())}")
    print(f"  sent more than 100 ms late: {search.late}")
    acknowledged = sum(ledger.acknowledged.values())
    print("writes acknowledged: " + ", ".join(f"{kind} {count}" for kind, count in sorted(ledger.by_kind.items())))
    print(
        f"writes: acknowledged {acknowledged}, found in the database {writes['found']}, lost {writes['lost']}, "
        f"phantom {writes['phantom']}, unanswered but landed {writes['unanswered landed']}"
    )
    print(
        f"  status mismatches {writes['status mismatches']}, saved text mismatches {writes['text mismatches']}, "
        f"field changes {writes['field changes']}, "
        f"audit records written {writes['audit written']}, workshops {writes['workshops before']} -> {writes['workshops after']}"
    )
    if exhausted:
        print(f"  {exhausted} reviewers ran out of workshops to review (raise --pool)")

    rows_match = (
        writes["lost"] == 0
        and writes["phantom"] == 0
        and writes["status mismatches"] == 0
        and writes["text mismatches"] == 0
        and writes["field changes"] == 0
        and writes["audit written"] == writes["found"]
        and writes["workshops before"] == writes["workshops after"]
        and acknowledged > 0
    )
    targets = [
        (f"server errors (5xx or no answer): {server_errors + unanswered} (target 0)", server_errors + unanswered == 0),
        (
            f"back-office p95 {office_p95:.0f} ms (target under {TARGET_BACKOFFICE_P95_MS} ms)",
            office_p95 < TARGET_BACKOFFICE_P95_MS,
        ),
        (f"public search p95 {search_p95:.0f} ms (target under {TARGET_SEARCH_P95_MS} ms)", search_p95 < TARGET_SEARCH_P95_MS),
        (f"public search rate {rate:.1f} per second (target at least 95% of {args.search_rps})", rate >= 0.95 * args.search_rps),
        ("search answers correct", sum(search.wrong.values()) == 0),
        ("rows match the acknowledged writes", rows_match),
    ]
    print()
    for text, ok in targets:
        print(f"{verdict(ok)}  {text}")
    return all(ok for _, ok in targets)


# ---------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description="Load benchmark: back-office users and the public search under gunicorn.")
    parser.add_argument("--duration", type=int, default=60, help="seconds of measured load (default 60)")
    parser.add_argument("--users", type=int, default=30, help="concurrent back-office users (default 30)")
    parser.add_argument("--search-rps", type=float, default=50, help="public searches per second (default 50)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1, or the next free one (default 8000)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (its public schema is dropped); SQLite by default")
    parser.add_argument("--redis-url", default="", help="ZHIGENG_REDIS_URL for the server (default: in-memory limits)")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause in seconds between a user's pages (default 1)")
    parser.add_argument("--pool", type=int, default=0, help="workshops per reviewer (default: duration / 2, at least 10)")
    parser.add_argument("--certificates", type=int, default=10000, help="issued certificates to search (default 10,000)")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and the server log")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="zhigeng-load-"))
    env = settings(folder, args.database_url, args.redis_url)
    port = free_port(args.port)
    log_path = folder / "server.log"
    pool = args.pool or max(10, args.duration // 2)
    print(f"instance folder {folder}, database {'PostgreSQL' if args.database_url else 'SQLite'}, port {port}")
    if args.database_url:
        _reset_postgres(args.database_url)

    with open(folder / "setup.log", "w") as setup_log:
        run_step([FLASK, "--app", "app", "db", "upgrade"], env, setup_log)
        run_step([FLASK, "--app", "app", "load-demo"], env, setup_log)
        people_file = folder / "people.tsv"
        seed = [sys.executable, str(ROOT / "benchmarks" / "seed_certificates.py"), "--count", str(args.certificates)]
        run_step([*seed, "--sample", "500", "--sample-file", str(people_file)], env, setup_log)

    app = open_app(env)
    from models import db

    with app.app_context(), db.connection_context():
        started = time.perf_counter()
        with db.atomic():
            people, before = seed_workload(args.users, pool)
        waiting = search_people()
        counts_before = write_counts(before)
    print(f"  accounts and {len(before)} workshops through the services: {time.perf_counter() - started:.1f} s")
    searchers = read_people(str(people_file))

    records, recording, stop = [], threading.Event(), threading.Event()
    ledger = Ledger()
    with open(log_path, "w") as server_log:
        command = [GUNICORN, "-w", "4", "-b", f"127.0.0.1:{port}", "app:create_app()"]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port)
        time.sleep(1)
        workers = []
        for n, person in enumerate(people[: args.users]):
            worker = Worker(person, Browser(port, records, recording), ledger, stop, args.think, seed=n)
            if not worker.login():
                sys.exit(f"login failed for {person.username}; see the server log {log_path}")
            # Not recorded: every worker process compiles its templates on its first pages.
            worker.browser.get("list", "/admin/workshops/")
            workers.append(worker)
        search = SearchLoad(port, args.search_rps, records, recording, searchers, waiting)
        print(f"{len(workers)} users logged in; {args.duration} s of load from now")

        sampler = MachineSampler(stop, server.pid)
        recording.set()
        window_start, cpu_start = time.monotonic(), time.process_time()
        sampler.start()
        for worker in workers:
            worker.start()
        search.run(args.duration, stop)
        stop.set()
        for worker in workers:
            worker.join(timeout=90)
        window = time.monotonic() - window_start
        client_cpu = time.process_time() - cpu_start
        recording.clear()
    finally:
        stop_server(server)

    with app.app_context(), db.connection_context():
        writes = check_writes(people, before, ledger, counts_before)
    tracebacks = log_path.read_text(errors="replace").count("Traceback")
    ok = report(args, records, search, ledger, writes, sampler, window_start, workers, window, client_cpu)
    print(f"server log: {tracebacks} tracebacks")
    if args.keep or not ok:
        print(f"kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
