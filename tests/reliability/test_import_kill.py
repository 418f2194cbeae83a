"""An import killed with SIGKILL leaves the list whole or empty, and the database intact.

A child process runs the same check and save as the web import, against the
test's database, and prints a line when it starts reading and when it starts
saving. One unkilled run measures how long each phase takes. The ten kills
then land at random moments, half while the workbook is read and checked and
half while the rows are written, because only a kill during the write could
leave part of a list behind.
"""

import datetime
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import peewee

from models import DeclarationStatus, Trainee, db
from services.idnumbers import with_check_digit
from tests.trainees.conftest import workbook_bytes

ROWS = 5000
KILLS = 10
ROOT = Path(__file__).resolve().parent.parent.parent

CHILD = """
import json, sys, time
from app import create_app
from models import User, db
from services import trainee_import, trainees

settings = json.loads(sys.argv[1])
app = create_app(settings["config"])
with app.app_context():
    db.connect(reuse_if_open=True)
    user = User.get(User.username == settings["username"])
    data = open(settings["file"], "rb").read()
    print("reading", time.monotonic(), flush=True)
    check = trainee_import.check_workbook(data, max_rows=10000, max_bytes=20 << 20)
    assert check.accept, check.to_json()
    print("saving", time.monotonic(), flush=True)
    trainees.import_rows(user, settings["workshop"], check)
    print("done", time.monotonic(), flush=True)
"""


def rows():
    """ROWS valid trainees, each born on a different day, so every ID number is distinct."""
    first = datetime.date(1970, 1, 1)
    result = []
    for n in range(ROWS):
        birth = (first + datetime.timedelta(days=n)).strftime("%Y%m%d")
        result.append([f"学员{n}", 40, with_check_digit(f"320102{birth}123"), ""])
    return result


class ImportChild:
    """A child process running one import, with the moments at which it enters each phase."""

    def __init__(self, app, tmp_path, workshop, username, workbook):
        config = {
            key: app.config[key] if not isinstance(app.config[key], Path) else str(app.config[key])
            for key in ("DATABASE_URL", "UPLOAD_FOLDER", "PASSWORD_HASH_COST", "RATELIMIT_STORAGE_URI")
        }
        config["INSTANCE_PATH"] = app.config["INSTANCE_PATH"]
        config["TESTING"] = True
        self.settings = json.dumps({"config": config, "username": username, "workshop": workshop.id, "file": str(workbook)})

    def start(self):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.errors = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, self.settings],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        return self

    def finish(self, kill=False) -> int:
        """Kill the child (or let it end), reap it and close its pipes; return its exit code."""
        if kill:
            self.process.send_signal(signal.SIGKILL)
        code = self.process.wait(timeout=60)
        self.process.stdout.close()
        self.errors.close()
        return code

    def wait_for(self, phase):
        """Block until the child prints ``phase``; return the monotonic time it printed."""
        for line in self.process.stdout:
            name, moment = line.split()
            if name == phase:
                return float(moment)
        self.errors.seek(0)
        raise AssertionError(f"import child ended before {phase}: {self.errors.read()[-2000:]}")


def trainees_on(workshop):
    return Trainee.select().where(Trainee.workshop == workshop.id).count()


def integrity_ok():
    """Run SQLite's integrity check; PostgreSQL has none, so there a full read of the trainee table must succeed."""
    if isinstance(db.obj, peewee.SqliteDatabase):
        return db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.execute_sql("SELECT count(*), max(length(id_number_hash)) FROM trainee").fetchone()
    return True


def test_killed_import_all_or_nothing(app, tmp_path, org_tree, make_workshop, scoreboard):
    workbook = tmp_path / "五千人名单.xlsx"
    workbook.write_bytes(workbook_bytes(rows()))
    username = org_tree["user_prov_a"].username

    calibration = make_workshop(org_tree["unit_a1"], status=DeclarationStatus.APPROVED, name="计时用研修班")
    child = ImportChild(app, tmp_path, calibration, username, workbook).start()
    reading = child.wait_for("reading")
    saving = child.wait_for("saving")
    done = child.wait_for("done")
    assert child.finish() == 0
    assert trainees_on(calibration) == ROWS

    rng = random.Random(20261204)
    delays = [rng.uniform(0, saving - reading) for _ in range(KILLS // 2)]
    delays += [(saving - reading) + rng.uniform(0, done - saving) for _ in range(KILLS - KILLS // 2)]

    partial = 0
    for index, delay in enumerate(delays):
        workshop = make_workshop(org_tree["unit_a1"], status=DeclarationStatus.APPROVED, name=f"中断导入研修班{index}")
        child = ImportChild(app, tmp_path, workshop, username, workbook).start()
        started = child.wait_for("reading")
        time.sleep(max(0.0, started + delay - time.monotonic()))
        child.finish(kill=True)
        count = trainees_on(workshop)
        whole = count in (0, ROWS)
        intact = integrity_ok()
        partial += not scoreboard.attempt("kill during import", whole and intact)
        scoreboard.add("kill during import", rows_lost=0 if whole else count)
        assert intact, f"integrity check failed after a kill {delay:.3f} s into the import"
    assert partial == 0
