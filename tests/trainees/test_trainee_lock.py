"""A submitted trainee list is locked on every path: admin pages, import, model calls and raw SQL."""

import peewee
import pytest

from models import AuditRecord, Trainee, db
from models.trainees import CERTIFICATE_COLUMNS
from services import trainee_import, trainees, workflow
from services.errors import Locked
from tests.conftest import login, post
from tests.trainees.conftest import resident_id, start_web_import, valid_rows, workbook_bytes


@pytest.fixture
def locked_list(org_tree, approved_workshop, make_trainee):
    """The approved workshop with two trainees, submitted (and so locked) by province A."""
    first = make_trainee(approved_workshop, resident_id(1), name="张三")
    second = make_trainee(approved_workshop, resident_id(2), name="李四")
    workflow.perform(org_tree["user_prov_a"], approved_workshop.id, "submit_trainee_list")
    return approved_workshop, first, second


def names(workshop):
    return sorted(t.name for t in Trainee.select().where(Trainee.workshop == workshop.id))


@pytest.fixture
def admin_client(app, org_tree):
    client = app.test_client()
    login(client, "platform-admin")
    return client


# Admin pages, as a platform administrator


def test_admin_form_edit_refused(admin_client, locked_list):
    workshop, first, _ = locked_list
    response = post(
        admin_client,
        f"/admin/trainees/edit/?id={first.id}",
        {"name": "王五", "hours": "40", "document_type": "", "id_number": resident_id(1), "phone": ""},
        follow_redirects=True,
    )
    assert "已提交并锁定" in response.get_data(as_text=True)
    assert names(workshop) == ["张三", "李四"]


def test_ajax_update_refused(admin_client, locked_list):
    workshop, first, _ = locked_list
    response = post(admin_client, "/admin/trainees/ajax/update/", {"list_form_pk": first.id, "name": "王五"})
    assert response.status_code == 400
    assert "已提交并锁定" in response.get_data(as_text=True)
    assert names(workshop) == ["张三", "李四"]


def test_delete_refused(admin_client, locked_list):
    workshop, first, _ = locked_list
    response = post(admin_client, "/admin/trainees/delete/", {"id": first.id}, follow_redirects=True)
    assert "已提交并锁定" in response.get_data(as_text=True)
    assert names(workshop) == ["张三", "李四"]


def test_bulk_delete_refused(admin_client, locked_list):
    workshop, first, second = locked_list
    response = post(
        admin_client,
        "/admin/trainees/action/",
        {"action": "delete", "rowid": [first.id, second.id]},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "2 条未删除" in html
    assert names(workshop) == ["张三", "李四"]


def test_add_to_locked_list_not_offered(admin_client, locked_list):
    workshop, _, _ = locked_list
    response = post(
        admin_client,
        "/admin/trainees/new/",
        {"workshop": workshop.id, "name": "王五", "hours": "40", "document_type": "", "id_number": resident_id(3)},
    )
    assert response.status_code == 200
    assert "Not a valid choice" not in response.get_data(as_text=True)
    assert names(workshop) == ["张三", "李四"]


def test_reimport_through_web_refused(admin_client, locked_list):
    workshop, _, _ = locked_list
    response = start_web_import(admin_client, workshop.id, workbook_bytes(valid_rows(2, start=10)), replace=True)
    assert response.status_code == 302
    assert "/job/" not in response.headers["Location"]
    assert names(workshop) == ["张三", "李四"]


def test_reimport_through_service_refused(org_tree, locked_list):
    workshop, _, _ = locked_list
    check = trainee_import.check_workbook(workbook_bytes(valid_rows(2, start=10)), max_rows=100, max_bytes=1 << 20)
    with pytest.raises(Locked):
        trainees.import_rows(org_tree["admin"], workshop.id, check, replace=True)
    assert names(workshop) == ["张三", "李四"]


# Model calls


def test_model_create_refused(locked_list, make_trainee):
    workshop, _, _ = locked_list
    with pytest.raises(Locked):
        make_trainee(workshop, resident_id(3), name="王五")
    assert names(workshop) == ["张三", "李四"]


def test_model_save_refused(locked_list):
    workshop, first, _ = locked_list
    first.name = "王五"
    with pytest.raises(Locked):
        first.save()
    assert names(workshop) == ["张三", "李四"]


def test_model_move_to_locked_list_refused(locked_list, org_tree, make_workshop, make_trainee):
    workshop, _, _ = locked_list
    other = make_trainee(make_workshop(org_tree["unit_a1"], status="approved"), resident_id(5), name="赵六")
    other.workshop = workshop
    with pytest.raises(Locked):
        other.save()
    assert names(workshop) == ["张三", "李四"]


def test_model_delete_instance_refused(locked_list):
    workshop, first, _ = locked_list
    with pytest.raises(Locked):
        first.delete_instance()
    assert names(workshop) == ["张三", "李四"]


def test_class_update_refused(locked_list):
    workshop, first, _ = locked_list
    with pytest.raises(Locked):
        Trainee.update(name="王五").where(Trainee.id == first.id).execute()
    assert names(workshop) == ["张三", "李四"]


def test_class_delete_refused(locked_list):
    workshop, _, _ = locked_list
    with pytest.raises(Locked):
        Trainee.delete().where(Trainee.workshop == workshop.id).execute()
    assert names(workshop) == ["张三", "李四"]


def test_class_insert_many_refused(locked_list):
    workshop, first, _ = locked_list
    row = {field: getattr(first, field) for field in ("name", "hours", "id_number_encrypted", "id_number_masked")}
    with pytest.raises(Locked):
        Trainee.insert_many([{**row, "workshop": workshop.id, "id_number_hash": "f" * 64}]).execute()
    assert names(workshop) == ["张三", "李四"]


def test_bulk_update_of_names_refused(locked_list):
    workshop, first, second = locked_list
    first.name, second.name = "甲", "乙"
    with pytest.raises(Locked):
        Trainee.bulk_update([first, second], fields=[Trainee.name])
    assert names(workshop) == ["张三", "李四"]


def test_certificate_columns_still_change(locked_list):
    workshop, first, _ = locked_list
    Trainee.update(print_count=Trainee.print_count + 1).where(Trainee.id == first.id).execute()
    first = Trainee.get_by_id(first.id)
    first.revoked = True
    first.save()
    stored = Trainee.get_by_id(first.id)
    assert (stored.print_count, stored.revoked) == (1, True)


def test_unchanged_full_save_allowed(locked_list):
    _, first, _ = locked_list
    stored = Trainee.get_by_id(first.id)
    assert stored.save() == 0


# The database triggers, below the model layer


def _raw(sql, params=()):
    with db.atomic():
        db.execute_sql(sql, params)


def test_trigger_refuses_raw_update(locked_list):
    workshop, first, _ = locked_list
    with pytest.raises(peewee.IntegrityError, match="trainee list is locked"):
        _raw(f"UPDATE trainee SET name = 'x' WHERE id = {first.id}")
    assert names(workshop) == ["张三", "李四"]


def test_trigger_refuses_raw_delete(locked_list):
    workshop, _, _ = locked_list
    with pytest.raises(peewee.IntegrityError, match="trainee list is locked"):
        _raw(f"DELETE FROM trainee WHERE workshop_id = {workshop.id}")
    assert names(workshop) == ["张三", "李四"]


def test_trigger_refuses_raw_insert(locked_list):
    workshop, first, _ = locked_list
    with pytest.raises(peewee.IntegrityError, match="trainee list is locked"):
        _raw(
            "INSERT INTO trainee (workshop_id, name, document_type, id_number_encrypted, id_number_hash, "
            "id_number_masked, hours, phone, needs_verification, print_count, revoked, created_at) "
            f"SELECT workshop_id, 'x', document_type, id_number_encrypted, 'abc', id_number_masked, hours, phone, "
            f"needs_verification, 0, revoked, created_at FROM trainee WHERE id = {first.id}"
        )
    assert names(workshop) == ["张三", "李四"]


def test_trigger_refuses_update_that_skips_model_guard(locked_list):
    """A peewee UPDATE built without Trainee.update() reaches the trigger, which refuses it."""
    workshop, first, _ = locked_list
    query = peewee.ModelUpdate(Trainee, {Trainee.hours: 1}).where(Trainee.id == first.id)
    with pytest.raises(peewee.IntegrityError):
        with db.atomic():
            query.execute()
    assert Trainee.get_by_id(first.id).hours == first.hours


@pytest.mark.parametrize("column, value", [("print_count", 3), ("revoked", True), ("certificate_number", "ZG-1")])
def test_trigger_allows_certificate_columns(locked_list, column, value):
    _, first, _ = locked_list
    _raw(f"UPDATE trainee SET {column} = {db.param} WHERE id = {first.id}", (value,))
    assert getattr(Trainee.get_by_id(first.id), column) not in (None, 0, False)


def test_sqlite_update_trigger_guards_every_other_column(app):
    """Every trainee column except the certificate ones appears in the SQLite update trigger."""
    if not db.obj.__class__.__name__.endswith("SqliteDatabase"):
        pytest.skip("the PostgreSQL trigger compares whole rows")
    sql = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'trainee_locked_update'").fetchone()[0]
    guarded = {f.column_name for f in Trainee._meta.sorted_fields} - CERTIFICATE_COLUMNS
    assert all(f"NEW.{column} IS NOT OLD.{column}" in sql for column in guarded)


# Rejection unlocks


def test_rejection_unlocks_list(org_tree, locked_list):
    workshop, first, _ = locked_list
    workflow.perform(org_tree["user_ministry"], workshop.id, "reject_trainee_list", "第 3 名学员学时有误")
    trainees.update_trainee(org_tree["user_prov_a"], first.id, {"姓名": "王五"})
    assert names(workshop) == ["李四", "王五"]
    assert AuditRecord.select().where(AuditRecord.action == "edit_trainee").count() == 1


def test_prepared_insert_refused(locked_list):
    workshop, first, _ = locked_list
    row = (workshop.id, "王五", first.hours, "", "resident_id", False, b"x", "e" * 64, "masked", first.created_at)
    with pytest.raises(Locked):
        Trainee.insert_prepared(trainees.STORED_FIELDS, [row])
    assert names(workshop) == ["张三", "李四"]


def test_copy_into_locked_list_rejected_by_trigger(locked_list):
    """PostgreSQL's COPY, which skips the model's pre-check here, still meets the insert trigger."""
    if db.obj.__class__.__name__.endswith("SqliteDatabase"):
        pytest.skip("COPY exists only on PostgreSQL")
    from models.trainees import _copy_rows

    workshop, first, _ = locked_list
    row = (workshop.id, "王五", first.hours, "", "resident_id", False, b"x", "e" * 64, "masked", first.created_at, 0, False)
    columns = [*[Trainee._meta.fields[name].column_name for name in trainees.STORED_FIELDS], "print_count", "revoked"]
    with pytest.raises(Locked):
        with db.atomic():
            _copy_rows(db, "trainee", columns, [row])
    assert names(workshop) == ["张三", "李四"]
