"""Races between users: one winner per transition, no silent overwrite of an edit."""

import functools
import threading

from models import AuditRecord, DeclarationStatus, Workshop, db
from services import declarations, workflow
from services.errors import Conflict, InvalidTransition

S = DeclarationStatus
TRIALS = 100


def run_together(app, jobs):
    """Start every job at the same moment, each in its own thread with its own connection."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                barrier.wait()
                results[index] = job()
            except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
                results[index] = error
            finally:
                db.close()

    threads = [threading.Thread(target=worker, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_reviewers_one_winner(app, org_tree, make_workshop, make_user, scoreboard):
    second = make_user(org_tree["ministry"], username="ministry-2")
    reviewers = [org_tree["user_ministry"], second]
    doubles = 0
    for _ in range(TRIALS):
        workshop = make_workshop(org_tree["unit_a1"], status=S.MINISTRY_SUBMITTED)
        jobs = [lambda user=user, wid=workshop.id: workflow.perform(user, wid, "approve") for user in reviewers]
        results = run_together(app, jobs)
        winners = [r for r in results if isinstance(r, Workshop)]
        losers = [r for r in results if isinstance(r, InvalidTransition)]
        records = AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).count()
        ok = len(winners) == 1 and len(losers) == 1 and records == 1
        doubles += not scoreboard.attempt("race: double approval", ok)
    assert doubles == 0


def test_simultaneous_edits_second_refused(app, org_tree, make_workshop, scoreboard):
    unit = org_tree["user_unit_a1"]
    silent_overwrites = 0
    for trial in range(20):
        workshop = make_workshop(org_tree["unit_a1"])
        base = {name: getattr(workshop, name) for name in declarations.DECLARATION_COLUMNS}
        base["field"] = workshop.field_id

        def edit(name, workshop=workshop, base=base):
            return declarations.update_declaration(unit, workshop.id, base | {"name": name}, workshop.version)

        jobs = [functools.partial(edit, f"甲方修改{trial}"), functools.partial(edit, f"乙方修改{trial}")]
        results = run_together(app, jobs)
        saved = [r for r in results if isinstance(r, Workshop)]
        refused = [r for r in results if isinstance(r, Conflict)]
        final = Workshop.get_by_id(workshop.id)
        ok = len(saved) == 1 and len(refused) == 1 and final.name == saved[0].name and final.version == workshop.version + 1
        silent_overwrites += not scoreboard.attempt("race: concurrent edits", ok)
    assert silent_overwrites == 0
