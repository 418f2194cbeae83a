"""Every handed import case gives exactly its expected outcome, through the command line and the web import."""

import io
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from models import Trainee
from services.crypto import cipher
from tests.conftest import login
from tests.trainees.conftest import CASES, case_files, error_keys, expectation

PROJECT = CASES.parent.parent.parent


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(path):
        result = runner.invoke(args=["trainees", "check", str(path), "--json"])
        return result.exit_code, json.loads(result.output)

    return run


def _stored_rows(workshop):
    box = cipher()
    stored = {}
    for trainee in Trainee.select().where(Trainee.workshop == workshop.id):
        stored[box.decrypt(trainee.id_number_encrypted)] = trainee
    return stored


def _assert_stored(stored, entries):
    for entry in entries:
        trainee = stored[entry["身份证号"]]
        assert trainee.name == entry["姓名"], entry
        assert trainee.hours == Decimal(entry["完成学时"]), entry
        assert trainee.phone == entry["联系电话"], entry


@pytest.mark.parametrize("name", case_files())
def test_case_through_cli(cli, name):
    expected = expectation(name)
    code, answer = cli(CASES / name)
    assert answer["accept"] is expected["accept"]
    assert answer["rows"] == expected["rows"]
    assert error_keys(answer["errors"]) == error_keys(expected["errors"])
    assert code == (0 if expected["accept"] else 1)
    assert all(error["message"].startswith("第") for error in answer["errors"])


@pytest.mark.parametrize("name", case_files())
def test_case_through_web_import(app, org_tree, approved_workshop, web_import, name):
    expected = expectation(name)
    client = app.test_client()
    login(client, "prov-a")
    outcome = web_import(client, org_tree["user_prov_a"], approved_workshop.id, (CASES / name).read_bytes())
    answer = outcome["job"].result
    assert answer["accept"] is expected["accept"]
    assert answer["rows"] == expected["rows"]
    assert error_keys(answer["errors"]) == error_keys(expected["errors"])
    stored = _stored_rows(approved_workshop)
    assert len(stored) == expected["rows"]
    _assert_stored(stored, expected.get("imported", []) + expected.get("spot_checks", []))


def test_refused_case_page_lists_each_error(app, org_tree, approved_workshop, web_import):
    client = app.test_client()
    login(client, "prov-a")
    outcome = web_import(client, org_tree["user_prov_a"], approved_workshop.id, (CASES / "06_bad_checksum.xlsx").read_bytes())
    html = outcome["html"]
    assert "第 4 行" in html and "第 6 行" in html
    assert "校验" in html
    assert "下载已标注错误单元格的工作簿" in html


def test_refused_case_offers_marked_workbook(app, org_tree, approved_workshop, web_import):
    client = app.test_client()
    login(client, "prov-a")
    outcome = web_import(client, org_tree["user_prov_a"], approved_workshop.id, (CASES / "06_bad_checksum.xlsx").read_bytes())
    response = client.get(outcome["url"] + "marked.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    marked = {cell.coordinate for row in sheet.iter_rows() for cell in row if cell.comment is not None}
    assert marked == {"C4", "C6"}
    assert "第 4 行" in sheet["C4"].comment.text
    assert sheet["C4"].fill.fgColor.rgb.endswith("FFC7CE")


def test_cli_touches_no_database(tmp_path):
    """The check runs with a database URL that cannot connect, and creates no SQLite file."""
    database = tmp_path / "never" / "zhigeng.db"
    env = {
        "PATH": "/usr/bin:/bin",
        "ZHIGENG_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "trainees", "check", str(CASES / "01_clean_5_rows.xlsx"), "--json"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 5
    assert not database.exists()
