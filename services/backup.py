"""Online backups of the database: SQLite's backup API, or pg_dump for PostgreSQL."""

import logging
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote, urlparse

logger = logging.getLogger(__name__)


def _sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else None


def _pg_env_and_args(url: str):
    parsed = urlparse(url)
    args = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    if parsed.username:
        args += ["-U", unquote(parsed.username)]
    env = {"PGPASSWORD": unquote(parsed.password)} if parsed.password else {}
    return args, env, parsed.path.lstrip("/")


def backup_database(url: str, target: Path) -> Path:
    """Copy the live database to ``target`` while writers keep working.

    SQLite uses the online backup API, which copies a consistent snapshot page
    by page (copying the file instead can catch a half-written transaction).
    PostgreSQL uses ``pg_dump --format=custom``, which reads one snapshot.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = _sqlite_path(url)
    if source is not None:
        with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
            live.backup(copy, pages=256)
    else:
        args, env, name = _pg_env_and_args(url)
        _run(["pg_dump", "--format=custom", "--file", str(target), *args, name], env)
    logger.info("Database backup written to %s", target)
    return target


def check_backup(url: str, backup: Path) -> bool:
    """Check that a backup of the database at ``url`` is intact (SQLite integrity check or pg_restore listing)."""
    if _sqlite_path(url) is not None:
        with closing(sqlite3.connect(backup)) as connection:
            return connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    completed = subprocess.run(["pg_restore", "--list", str(backup)], capture_output=True, check=False)
    return completed.returncode == 0 and b"TABLE DATA" in completed.stdout


def restore_database(backup: Path, url: str) -> None:
    """Replace the database at ``url`` with the contents of ``backup``; stop the application first."""
    target = _sqlite_path(url)
    if target is not None:
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(backup, target)
    else:
        args, env, name = _pg_env_and_args(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", name, *args, str(backup)], env)
    logger.info("Database restored from %s", backup)


def _run(command, env):
    completed = subprocess.run(command, env={**os.environ, **env}, capture_output=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(
            f"{command[0]} failed with exit code {completed.returncode}: {completed.stderr.decode(errors='replace')[-500:]}"
        )
