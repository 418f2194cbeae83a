"""Online backups taken while writers run are intact and restore."""

import os
import threading
import time

import pytest

from models import DeclarationStatus, Workshop, db
from services import backup


@pytest.fixture
def restore_url(database_url):
    """A second database to restore into: a new SQLite file, or the PostgreSQL database test_restore."""
    if database_url.startswith("sqlite:///"):
        return database_url.replace("test.db", "restored.db")
    import peewee

    server = database_url.rsplit("/", 1)[0]
    admin = peewee.PostgresqlDatabase("postgres", host="127.0.0.1", user="postgres")
    with admin.connection_context():
        admin.execute_sql("DROP DATABASE IF EXISTS test_restore")
        admin.execute_sql("CREATE DATABASE test_restore")
    return f"{server}/test_restore"


def test_backups_during_writes_are_intact(app, org_tree, make_workshop, tmp_path, restore_url, scoreboard):
    url = app.config["DATABASE_URL"]
    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                while not stop.is_set():
                    written.append(make_workshop(org_tree["unit_a1"], status=DeclarationStatus.DRAFT).id)
            finally:
                db.close()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    copies = []
    try:
        for index in range(5):
            time.sleep(0.5)
            copies.append(backup.backup_database(url, tmp_path / f"copy-{index}.bak"))
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    intact = [copy for copy in copies if scoreboard.attempt("backup: copy intact", backup.check_backup(url, copy))]
    assert intact == copies
    assert written, "the writers wrote nothing"

    backup.restore_database(copies[-1], restore_url)
    from models import init_database

    restored = init_database(restore_url)
    try:
        with restored.connection_context():
            count = Workshop.select().count()
    finally:
        restored.close_all()
        init_database(url)
    assert scoreboard.attempt("backup: restore", 0 < count <= len(written))
    assert os.path.getsize(copies[-1]) > 0
