"""Fixtures for the trainee list tests: approved workshops, workbooks built in the test, and the web import."""

import io
import json
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from models import DeclarationStatus
from services.idnumbers import with_check_digit
from tests.conftest import post

CASES = Path(__file__).resolve().parent.parent / "data" / "import"
HEADER = ["姓名", "完成学时", "身份证号", "联系电话"]


def resident_id(n: int, region="110105", birth="19800101") -> str:
    """A valid synthetic resident ID number, distinct for each ``n`` below 1000."""
    return with_check_digit(f"{region}{birth}{n:03d}")


def workbook_bytes(rows, header=HEADER, above=(), sheet_title="学员名单", text_columns=(3, 4)) -> bytes:
    """An .xlsx with optional lines above the header, the header and ``rows``; ID and phone cells are text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for line in above:
        sheet.append(list(line))
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
        for column in text_columns:
            sheet.cell(row=sheet.max_row, column=column).number_format = "@"
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def valid_rows(count: int, start=1):
    return [[f"学员{n}", 40, resident_id(n), f"1380000{n:04d}"] for n in range(start, start + count)]


def case_files():
    return sorted(path.name for path in CASES.glob("*.xlsx"))


def expectation(name: str) -> dict:
    return json.loads((CASES / name).with_suffix(".json").read_text(encoding="utf-8"))


def error_keys(errors):
    return sorted((e["row"], e["field"], e["reason_kind"], e.get("duplicate_of")) for e in errors)


@pytest.fixture
def approved_workshop(org_tree, make_workshop):
    """An approved workshop of unit A1, whose list province A manages."""
    return make_workshop(org_tree["unit_a1"], status=DeclarationStatus.APPROVED, name="人工智能高级研修班")


def start_web_import(client, workshop_id, data: bytes, filename="学员名单.xlsx", replace=False):
    """POST a workbook to the import page; return the response (a redirect to the job page)."""
    fields = {"file": (io.BytesIO(data), filename)}
    if replace:
        fields["replace"] = "y"
    return post(client, f"/admin/trainee-import/{workshop_id}/", fields, content_type="multipart/form-data")


def finish_web_import(client, response, timeout=60) -> dict:
    """Follow a started import through its status endpoint until it finishes; return the status and job page."""
    assert response.status_code == 302, response.status_code
    job_url = response.headers["Location"]
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(job_url + "status").get_json()
        if status["finished"]:
            break
        assert time.monotonic() < deadline, "import did not finish"
        time.sleep(0.1)
    return {"status": status, "url": job_url, "html": client.get(job_url).get_data(as_text=True)}


@pytest.fixture
def web_import(app):
    """Run a whole web import as ``user`` (logged in on ``client``); return the outcome with the stored job."""
    from services import import_jobs

    def run(client, user, workshop_id, data, **options):
        outcome = finish_web_import(client, start_web_import(client, workshop_id, data, **options))
        token = outcome["url"].rstrip("/").rsplit("/", 1)[1]
        outcome["job"] = import_jobs.load(token, user)
        return outcome

    return run
