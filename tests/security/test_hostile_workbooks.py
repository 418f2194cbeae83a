"""Hostile trainee list workbooks through the command-line check and the web import.

Each workbook of ``hostile_workbooks.WORKBOOKS`` is built at test time and
offered twice. The first offer goes to ``flask trainees check FILE --json``,
run in process with Flask's CLI runner. The second goes to the import page,
logged in as the province that manages the workshop's list (units may not
import), and follows the background job to its end. Every
offer must be refused with a Chinese message, without a server error, in
under WORKBOOK_SECONDS of wall time and under MEMORY_LIMIT of extra memory,
and must leave the trainee table empty.

Memory is measured with tracemalloc, in a second run of each path, because
tracing slows Python code several times over and would spoil the timing.
tracemalloc counts every allocation made through Python's allocators in every
thread: the import thread, expat's parser buffers and zlib's output buffers.
Its peak belongs to one run alone, whereas the process's peak RSS only grows
during a test session. It misses memory that libxml2 allocates for lxml,
which openpyxl uses only for the small workbook, relationship and style
parts. Sheets and shared strings go through expat.
"""

import io
import json
import re
import time
import tracemalloc

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import DeclarationStatus, Trainee
from services import import_jobs
from tests.conftest import csrf_token, login
from tests.scoreboard import ARTIFACTS
from tests.security import hostile_workbooks as hw

CHECK = "hostile workbooks"
WORKBOOK_SECONDS = 2.0
MEMORY_LIMIT = 100 * 1024 * 1024
SECRET = "本机机密-7f3a9c"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Workbooks that hold more rows than a truncating reader would see: the refusal
# must quote this text, which only a reader of every row can produce.
HIDDEN_ROWS = {
    "dimension_claims_one_row": "第 41 行",
    "dimension_claims_header_only": "第 6 行",
    "dimension_narrower_columns": "第 3 行",
    "dimension_with_gap_rows": "第 500000 行",
    "million_rows": "100000",
    "one_row_over_cap": "100000",
}

# Slowest wall time and largest memory peak per path, for the summary.
FIGURES = {}


@pytest.fixture(scope="module")
def secret_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("local") / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return str(path)


@pytest.fixture
def list_workshop(org_tree, make_workshop):
    """An approved workshop of unit A1; province A manages its trainee list."""
    return make_workshop(org_tree["unit_a1"], status=DeclarationStatus.APPROVED, name="网络安全高级研修班")


def traced(run):
    """Run ``run()`` under tracemalloc; return its result and the peak of memory allocated meanwhile."""
    tracemalloc.start()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def timed(run):
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def note(path_name, workbook, seconds=None, memory=None):
    figures = FIGURES.setdefault(path_name, {"slowest": (0.0, ""), "largest": (0, "")})
    if seconds is not None and seconds > figures["slowest"][0]:
        figures["slowest"] = (seconds, workbook)
    if memory is not None and memory > figures["largest"][0]:
        figures["largest"] = (memory, workbook)


def run_cli(app, path):
    result = app.test_cli_runner().invoke(args=["trainees", "check", str(path), "--json"])
    return result


def post_multipart(client, url, fields: dict, files: dict):
    """POST a multipart form whose body is encoded in memory.

    Werkzeug's test client spools a multipart body above 500 KB to a
    temporary file that it never closes, so pytest reports an unraisable
    ResourceWarning. A body encoded beforehand needs no such file.
    """
    values = {"csrf_token": csrf_token(client), **fields}
    values.update({name: FileStorage(io.BytesIO(data), filename=filename) for name, (data, filename) in files.items()})
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def run_web(client, workshop_id, data):
    """POST the workbook to the import page and poll the job until it finishes; return the outcome."""
    response = post_multipart(client, f"/admin/trainee-import/{workshop_id}/", {}, {"file": (data, "学员名单.xlsx")})
    outcome = {"post_status": response.status_code, "location": response.headers.get("Location", "")}
    if response.status_code != 302:
        return outcome
    job_url = outcome["location"]
    deadline = time.monotonic() + 120
    while True:
        status = client.get(job_url + "status")
        outcome["status_code"] = status.status_code
        state = status.get_json()
        if state["finished"] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    outcome["state"] = state
    page = client.get(job_url)
    outcome["page_status"] = page.status_code
    outcome["html"] = page.get_data(as_text=True)
    return outcome


def check_truncation(workbook, messages):
    """1 when a workbook with hidden rows was refused without naming them, else 0."""
    expected = HIDDEN_ROWS.get(workbook)
    return int(expected is not None and not any(expected in message for message in messages))


@pytest.mark.parametrize("workbook", hw.WORKBOOKS)
def test_hostile_workbook_refused_by_cli_and_web(app, org_tree, list_workshop, secret_path, tmp_path, scoreboard, workbook):
    data = hw.build(workbook, secret_path)
    path = tmp_path / "学员名单.xlsx"
    path.write_bytes(data)

    # The command-line check.
    result, seconds = timed(lambda: run_cli(app, path))
    _unused, memory = traced(lambda: run_cli(app, path))
    note("command line", workbook, seconds, memory)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    answer = json.loads(result.output)
    messages = [error["message"] for error in answer["errors"]]
    refused = answer["accept"] is False and answer["rows"] == 0 and bool(messages)
    scoreboard.attempt(CHECK, refused=refused)
    scoreboard.add(CHECK, wrongly_accepted=int(not refused), rows_lost=check_truncation(workbook, messages))
    assert refused, answer
    assert all(CHINESE.search(message) for message in messages), messages
    assert check_truncation(workbook, messages) == 0, messages
    assert SECRET not in result.output
    assert seconds < WORKBOOK_SECONDS, f"command line took {seconds:.2f} s"
    assert memory < MEMORY_LIMIT, f"command line peaked at {memory / 2**20:.1f} MB"

    # The web import, as the province that manages the list.
    client = app.test_client()
    login(client, "prov-a")
    outcome, seconds = timed(lambda: run_web(client, list_workshop.id, data))
    _unused, memory = traced(lambda: run_web(client, list_workshop.id, data))
    note("web import", workbook, seconds, memory)
    saved = Trainee.select().where(Trainee.workshop == list_workshop.id).count()
    token = outcome["location"].rstrip("/").rsplit("/", 1)[-1]
    job = import_jobs.load(token, org_tree["user_prov_a"]) if outcome["post_status"] == 302 else None
    job_messages = [error["message"] for error in (job.result or {}).get("errors", [])] if job else []
    refused = job is not None and job.state == import_jobs.REFUSED and saved == 0 and bool(job_messages)
    scoreboard.attempt(CHECK, refused=refused)
    scoreboard.add(CHECK, wrongly_accepted=int(saved > 0), rows_lost=check_truncation(workbook, job_messages))
    assert outcome["post_status"] == 302, outcome
    assert outcome["status_code"] == 200
    assert outcome["page_status"] == 200
    assert job.state == import_jobs.REFUSED, (job.state, job.message)
    assert saved == 0
    assert job_messages and all(CHINESE.search(message) for message in job_messages), job_messages
    assert check_truncation(workbook, job_messages) == 0, job_messages
    shown = re.split(r"[&<>\"']", job_messages[0])[0][:20]
    assert shown in outcome["html"], shown
    assert SECRET not in outcome["html"]
    assert seconds < WORKBOOK_SECONDS, f"web import took {seconds:.2f} s"
    assert memory < MEMORY_LIMIT, f"web import peaked at {memory / 2**20:.1f} MB"


def test_hostile_workbook_figures(scoreboard):
    """Every offer so far was refused, none lost rows, and the slowest and largest stayed within the limits."""
    row = scoreboard.row(CHECK)
    assert row["attempts"] == 2 * len(hw.WORKBOOKS), row
    assert row["refused"] == row["attempts"], row
    assert row["wrongly_accepted"] == 0, row
    assert row["rows_lost"] == 0, row
    assert len(hw.WORKBOOKS) >= 50
    for figures in FIGURES.values():
        assert figures["slowest"][0] < WORKBOOK_SECONDS, figures
        assert figures["largest"][0] < MEMORY_LIMIT, figures
    ARTIFACTS.mkdir(exist_ok=True)
    summary = {
        path_name: {
            "slowest_seconds": round(figures["slowest"][0], 3),
            "slowest_workbook": figures["slowest"][1],
            "largest_peak_mb": round(figures["largest"][0] / 2**20, 1),
            "largest_workbook": figures["largest"][1],
        }
        for path_name, figures in FIGURES.items()
    }
    summary["workbooks"] = len(hw.WORKBOOKS)
    (ARTIFACTS / "hostile-workbooks.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
