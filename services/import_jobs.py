"""Trainee imports running in a background thread, with progress that any application process can read.

The uploaded bytes stay in memory and never reach the disk. The state of a job
(progress, then the result with its messages) and the marked workbook are kept
as files in the upload folder, sealed with AES-GCM because the messages quote
ID numbers, and removed after ``KEEP_SECONDS``. A job belongs to the user who
started it; every read checks the owner.
"""

import json
import logging
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from models import User, db

from . import trainee_import, trainee_workbooks, trainees
from .crypto import cipher
from .errors import DomainError

logger = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600
PROGRESS_INTERVAL = 0.25
RUNNING, ACCEPTED, REFUSED, FAILED = "running", "accepted", "refused", "failed"
READING, SAVING = "reading", "saving"

_STATE_PURPOSE = b"trainee-import-state"
_MARKED_PURPOSE = b"trainee-import-marked"
_finished_events: dict[str, threading.Event] = {}


@dataclass
class JobState:
    token: str
    owner_id: int
    workshop_id: int
    filename: str
    replace: bool
    state: str = RUNNING
    phase: str = READING
    done: int = 0
    total: int | None = None
    message: str = ""
    result: dict | None = None
    has_marked: bool = False
    started_at: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state != RUNNING

    def percent(self) -> int | None:
        if self.phase == SAVING and self.total:
            return 50 + int(50 * min(self.done, self.total) / self.total)
        if self.total:
            return int(50 * min(self.done, self.total) / self.total)
        return None


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "import-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str, suffix: str) -> Path:
    if not token.replace("-", "").replace("_", "").isalnum():
        raise ValueError("malformed job token")
    return _folder() / f"{token}.{suffix}"


def _write(path: Path, payload: bytes, purpose: bytes):
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(cipher().seal(payload, purpose))
    os.replace(partial, path)


def _read(path: Path, purpose: bytes) -> bytes | None:
    try:
        return cipher().unseal(path.read_bytes(), purpose)
    except (FileNotFoundError, ValueError):
        return None


def _save(job: JobState):
    _write(_path(job.token, "job"), json.dumps(asdict(job), ensure_ascii=False).encode(), _STATE_PURPOSE)


def _remove_expired():
    limit = time.time() - KEEP_SECONDS
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            continue


def load(token: str, user) -> JobState | None:
    """Return the job ``token`` if it exists and belongs to ``user``, otherwise None."""
    try:
        payload = _read(_path(token, "job"), _STATE_PURPOSE)
    except ValueError:
        return None
    if payload is None:
        return None
    job = JobState(**json.loads(payload))
    return job if job.owner_id == user.id else None


def marked_workbook(token: str, user) -> bytes | None:
    job = load(token, user)
    if job is None or not job.has_marked:
        return None
    return _read(_path(token, "marked"), _MARKED_PURPOSE)


def start(user, workshop, data: bytes, filename: str, replace: bool = False) -> JobState:
    """Start checking and importing ``data`` into the workshop's list in a background thread."""
    _remove_expired()
    job = JobState(secrets.token_urlsafe(18), user.id, workshop.id, filename, replace)
    _save(job)
    event = threading.Event()
    _finished_events[job.token] = event
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run, args=(app, job, data, event), name=f"trainee-import-{job.token[:6]}", daemon=True)
    thread.start()
    logger.info("User %s started trainee import %s for workshop %s", user.id, job.token[:6], workshop.id)
    return job


def wait(token: str, seconds: float) -> bool:
    """Wait up to ``seconds`` for a job started by this process; return whether it finished."""
    event = _finished_events.get(token)
    if event is None or not event.wait(seconds):
        return False
    _finished_events.pop(token, None)
    return True


class _Progress:
    """Progress callback that writes the job state at most every PROGRESS_INTERVAL seconds."""

    def __init__(self, job: JobState):
        self.job = job
        self.written = 0.0

    def __call__(self, phase, done, total=None):
        self.job.phase, self.job.done = phase, done
        if total is not None:
            self.job.total = total
        now = time.monotonic()
        if now - self.written >= PROGRESS_INTERVAL:
            self.written = now
            _save(self.job)


def _check_and_save(job: JobState, data: bytes, user, progress: _Progress):
    config = current_app.config
    check = trainee_import.check_workbook(
        data,
        max_rows=config["IMPORT_MAX_ROWS"],
        max_bytes=config["IMPORT_MAX_BYTES"],
        progress=lambda done, estimate: progress(READING, done, estimate),
    )
    if check.accept:
        progress(SAVING, 0, len(check.rows))
        try:
            added = trainees.import_rows(user, job.workshop_id, check, job.replace, progress=lambda done: progress(SAVING, done))
            return ACCEPTED, check.to_json(rows_added=added), check
        except trainees.RowsRejected as rejected:
            check.errors = rejected.errors
    return REFUSED, check.to_json(), check


def _run(app, job: JobState, data: bytes, event: threading.Event):
    with app.app_context():
        db.connect(reuse_if_open=True)
        progress = _Progress(job)
        try:
            user = User.get_by_id(job.owner_id)
            job.state, job.result, check = _check_and_save(job, data, user, progress)
            if job.state == REFUSED:
                marked = trainee_workbooks.marked_workbook(data, check)
                if marked is not None:
                    _write(_path(job.token, "marked"), marked, _MARKED_PURPOSE)
                    job.has_marked = True
        except DomainError as error:
            job.state, job.message = FAILED, error.message
        except Exception:
            logger.exception("Trainee import %s failed", job.token[:6])
            job.state, job.message = FAILED, _("The import failed because of an internal error. Nothing was saved.")
        finally:
            # The connection goes back to the pool before anyone can see the job finished.
            if not db.is_closed():
                db.close()
            _save(job)
            event.set()
    logger.info("Trainee import %s finished: %s", job.token[:6], job.state)
