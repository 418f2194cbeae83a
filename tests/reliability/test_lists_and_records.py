"""Trainee lists under concurrent approval, locked lists on every path, and the append-only audit trail."""

import peewee
import pytest

from models import AuditRecord, DeclarationStatus, Trainee, Workshop, db
from models.audit import AuditRecordImmutable
from services import trainee_import, trainees, workflow
from services.errors import DomainError
from tests.conftest import csrf_token, login, post, run_at_once
from tests.trainees.conftest import resident_id, start_web_import, valid_rows, workbook_bytes

LISTS = 50
PER_LIST = 8
TRIALS = 100


def submitted_list(org_tree, make_workshop, make_trainee, unit_key, name, count, birth="19850505"):
    workshop = make_workshop(org_tree[unit_key], status=DeclarationStatus.APPROVED, name=name)
    for n in range(1, count + 1):
        make_trainee(workshop, resident_id(n, birth=birth), name=f"学员{n}")
    workflow.perform(org_tree["user_prov_a"], workshop.id, "submit_trainee_list")
    return workshop


def numbers_of(workshop):
    return [t.certificate_number for t in Trainee.select().where(Trainee.workshop == workshop.id)]


def test_fifty_concurrent_approvals_distinct_numbers(app, org_tree, make_workshop, make_trainee, make_user, scoreboard):
    reviewers = [org_tree["user_ministry"], make_user(org_tree["ministry"], username="ministry-2")]
    workshops = [
        submitted_list(org_tree, make_workshop, make_trainee, ("unit_a1", "unit_a2")[i % 2], f"并发审批研修班{i}", PER_LIST)
        for i in range(LISTS)
    ]
    jobs = [(reviewers[i % 2], workshop.id, "approve_trainee_list") for i, workshop in enumerate(workshops)]
    outcomes = run_at_once(app, jobs)
    assert outcomes == ["ok"] * LISTS

    every_number = [number for workshop in workshops for number in numbers_of(workshop)]
    duplicates = len(every_number) - len(set(every_number))
    for workshop in workshops:
        own = numbers_of(workshop)
        complete = len(own) == PER_LIST and None not in own
        distinct = not set(own) & (set(every_number) - set(own)) and len(set(own)) == PER_LIST
        scoreboard.attempt("race: 50 lists approved at once", complete and distinct)
    scoreboard.add("race: 50 lists approved at once", wrongly_accepted=duplicates)
    assert duplicates == 0
    assert len(every_number) == LISTS * PER_LIST


def test_double_approval_one_number_set(app, org_tree, make_workshop, make_trainee, make_user, scoreboard):
    reviewers = [org_tree["user_ministry"], make_user(org_tree["ministry"], username="ministry-2")]
    failures = 0
    for trial in range(TRIALS):
        workshop = submitted_list(org_tree, make_workshop, make_trainee, "unit_a1", f"重复审批研修班{trial}", 3)
        outcomes = run_at_once(app, [(reviewer, workshop.id, "approve_trainee_list") for reviewer in reviewers])
        issued = (
            AuditRecord.select()
            .where((AuditRecord.workshop_id == workshop.id) & (AuditRecord.action == "issue_certificates"))
            .count()
        )
        numbers = numbers_of(workshop)
        ok = sorted(outcomes) == ["ok", "refused"] and issued == 1 and None not in numbers and len(set(numbers)) == 3
        failures += not scoreboard.attempt("race: one list approved twice", ok)
    assert failures == 0


# A locked list on every path


@pytest.fixture
def locked(org_tree, make_workshop, make_trainee):
    workshop = submitted_list(org_tree, make_workshop, make_trainee, "unit_a1", "锁定名单研修班", 2)
    return workshop, list(Trainee.select().where(Trainee.workshop == workshop.id).order_by(Trainee.id))


def snapshot(workshop):
    return sorted((t.id, t.name, str(t.hours), t.id_number_hash) for t in Trainee.select().where(Trainee.workshop == workshop.id))


def _admin_edit(client, workshop, rows):
    fields = {"name": "改名", "hours": "40", "document_type": "", "id_number": resident_id(1, birth="19850505"), "phone": ""}
    return post(client, f"/admin/trainees/edit/?id={rows[0].id}", fields)


def _ajax_update(client, workshop, rows):
    return post(client, "/admin/trainees/ajax/update/", {"list_form_pk": rows[0].id, "name": "改名"})


def _inline_add(client, workshop, rows):
    fields = {"workshop": workshop.id, "name": "新增", "hours": "40", "document_type": "", "id_number": resident_id(9)}
    return post(client, "/admin/trainees/new/", fields)


def _delete(client, workshop, rows):
    return post(client, "/admin/trainees/delete/", {"id": rows[0].id})


def _bulk_delete(client, workshop, rows):
    return post(client, "/admin/trainees/action/", {"action": "delete", "rowid": [row.id for row in rows]})


def _reimport(client, workshop, rows):
    return start_web_import(client, workshop.id, workbook_bytes(valid_rows(3, start=20)), replace=True)


def _append_import(client, workshop, rows):
    return start_web_import(client, workshop.id, workbook_bytes(valid_rows(3, start=30)))


WEB_PATHS = [_admin_edit, _ajax_update, _inline_add, _delete, _bulk_delete, _reimport, _append_import]


@pytest.mark.parametrize("username", ["platform-admin", "prov-a", "unit-a1", "ministry"])
def test_locked_list_web_paths(app, org_tree, locked, username, scoreboard):
    workshop, rows = locked
    client = app.test_client()
    login(client, username)
    before = snapshot(workshop)
    changed = []
    for path in WEB_PATHS:
        response = path(client, workshop, rows)
        after = snapshot(workshop)
        scoreboard.attempt("locked list: web paths", after == before)
        assert response.status_code < 500, (path.__name__, response.status_code)
        if after != before:
            changed.append(path.__name__)
    assert changed == []


def _service_update(org_tree, workshop, rows):
    trainees.update_trainee(org_tree["admin"], rows[0].id, {"name": "改名"})


def _service_delete(org_tree, workshop, rows):
    trainees.delete_trainee(org_tree["admin"], rows[0].id)


def _service_import(org_tree, workshop, rows):
    check = trainee_import.check_workbook(workbook_bytes(valid_rows(2, start=40)), max_rows=100, max_bytes=1 << 20)
    trainees.import_rows(org_tree["admin"], workshop.id, check, replace=True)


def _orm_update(org_tree, workshop, rows):
    Trainee.update(name="改名").where(Trainee.workshop == workshop.id).execute()


def _orm_save(org_tree, workshop, rows):
    row = Trainee.get_by_id(rows[0].id)
    row.hours = 1
    row.save()


def _orm_delete(org_tree, workshop, rows):
    Trainee.delete().where(Trainee.workshop == workshop.id).execute()


def _raw_update(org_tree, workshop, rows):
    peewee.ModelUpdate(Trainee, {Trainee.name: "改名"}).where(Trainee.id == rows[0].id).execute()


CODE_PATHS = [_service_update, _service_delete, _service_import, _orm_update, _orm_save, _orm_delete, _raw_update]


def test_locked_list_code_paths(org_tree, locked, scoreboard):
    workshop, rows = locked
    before = snapshot(workshop)
    accepted = []
    for path in CODE_PATHS:
        try:
            with db.atomic():
                path(org_tree, workshop, rows)
            accepted.append(path.__name__)
        except (DomainError, peewee.IntegrityError, peewee.InternalError):
            pass
        scoreboard.attempt("locked list: code paths", snapshot(workshop) == before)
    assert accepted == []
    assert snapshot(workshop) == before


# The audit trail is append-only


def test_audit_records_cannot_change(app, org_tree, make_workshop, scoreboard):
    workshop = make_workshop(org_tree["unit_a1"], status=DeclarationStatus.INITIAL_SUBMITTED)
    workflow.perform(org_tree["user_prov_a"], workshop.id, "initial_reject", reason="材料不全")
    record = AuditRecord.get(AuditRecord.workshop_id == workshop.id)
    before = (record.action, record.reason, record.old_status, record.new_status, str(record.created_at))

    client = app.test_client()
    login(client, "platform-admin")
    token = csrf_token(client)
    attempts = [
        client.post(f"/admin/audit/edit/?id={record.id}", data={"csrf_token": token, "reason": "篡改"}),
        client.post("/admin/audit/delete/", data={"csrf_token": token, "id": record.id}),
        client.post("/admin/audit/action/", data={"csrf_token": token, "action": "delete", "rowid": record.id}),
        client.post("/admin/audit/ajax/update/", data={"csrf_token": token, "list_form_pk": record.id, "reason": "篡改"}),
        client.post("/admin/audit/new/", data={"csrf_token": token, "action": "approve", "reason": "伪造"}),
    ]
    count = AuditRecord.select().count()
    for response in attempts:
        assert response.status_code < 500
        scoreboard.attempt("audit trail: change through the app", AuditRecord.select().count() == count)

    def change(row):
        row.reason = "篡改"
        row.save()

    code_paths = [
        lambda: change(AuditRecord.get_by_id(record.id)),
        lambda: AuditRecord.get_by_id(record.id).delete_instance(),
        lambda: AuditRecord.update(reason="篡改").execute(),
        lambda: AuditRecord.delete().where(AuditRecord.id == record.id).execute(),
        lambda: peewee.ModelUpdate(AuditRecord, {AuditRecord.reason: "篡改"}).execute(),
    ]
    for attempt in code_paths:
        with pytest.raises((AuditRecordImmutable, peewee.IntegrityError, peewee.InternalError)):
            with db.atomic():
                attempt()
        scoreboard.attempt("audit trail: change in code", True)

    after = AuditRecord.get_by_id(record.id)
    assert (after.action, after.reason, after.old_status, after.new_status, str(after.created_at)) == before
    assert AuditRecord.select().count() == count
    assert Workshop.get_by_id(workshop.id).status == DeclarationStatus.INITIAL_REJECTED
