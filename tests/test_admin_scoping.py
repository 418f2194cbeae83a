"""Row-level permissions of the admin views, tried by users of another subtree."""

import io

import pytest
from openpyxl import load_workbook

from models import AuditRecord, Organisation, User, Workshop
from tests.conftest import PASSWORD, login, post


@pytest.fixture
def foreign_workshop(org_tree, make_workshop):
    """A workshop of unit A1, and one of unit B1 for the B-side users to see."""
    own = make_workshop(org_tree["unit_b1"], name="华南本单位研修班")
    return make_workshop(org_tree["unit_a1"], name="南京外单位研修班"), own


def test_admin_urls_redirect_to_login_without_session(app, client, org_tree):
    skipped = {"admin.static"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in skipped:
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", "xlsx").replace(f"<int:{argument}>", "1")
        method = "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"
        response = client.open(url, method=method)
        if method == "POST":
            # CSRFProtect answers first: no token, no effect.
            assert response.status_code in (302, 400), url
        else:
            assert response.status_code == 302, url
            assert "/login" in response.headers["Location"], url
        checked += 1
    assert checked > 30


def test_files_route_requires_login(client):
    response = client.get("/files/1")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_workshop_list_shows_only_subtree(client, foreign_workshop):
    login(client, "unit-b1")
    html = client.get("/admin/workshops/").get_data(as_text=True)
    assert "华南本单位研修班" in html
    assert "南京外单位研修班" not in html


def test_province_sees_units_below(client, foreign_workshop):
    login(client, "prov-a")
    html = client.get("/admin/workshops/").get_data(as_text=True)
    assert "南京外单位研修班" in html
    assert "华南本单位研修班" not in html


def test_ministry_sees_all(client, foreign_workshop):
    login(client, "ministry")
    html = client.get("/admin/workshops/").get_data(as_text=True)
    assert "南京外单位研修班" in html and "华南本单位研修班" in html


def test_workshop_details_of_other_subtree_not_found(client, foreign_workshop):
    foreign, own = foreign_workshop
    login(client, "unit-b1")
    response = client.get(f"/admin/workshops/details/?id={foreign.id}", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "南京外单位研修班" not in html
    assert "记录不存在" in html
    assert "华南本单位研修班" in client.get(f"/admin/workshops/details/?id={own.id}").get_data(as_text=True)


def test_workshop_export_only_subtree(client, foreign_workshop):
    login(client, "unit-b1")
    response = client.get("/admin/workshops/export/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["华南本单位研修班"]
    assert sheet.cell(row=1, column=2).value == "项目名称"


def test_workshop_export_neutralises_formulas(client, org_tree, make_workshop):
    make_workshop(org_tree["unit_b1"], name='=HYPERLINK("http://x")', host_unit="+SUM(A1)", place="@cmd")
    login(client, "unit-b1")
    response = client.get("/admin/workshops/export/xlsx/")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in values)
    texts = [cell.value for cell in values if isinstance(cell.value, str)]
    assert '\'=HYPERLINK("http://x")' in texts
    assert "'+SUM(A1)" in texts
    assert "'@cmd" in texts


def test_unit_user_cannot_open_user_admin(client, org_tree):
    login(client, "unit-a1")
    assert client.get("/admin/users/").status_code == 403
    assert client.get("/admin/organisations/").status_code == 403


def test_unit_user_menu_hides_system(client, org_tree):
    login(client, "unit-a1")
    html = client.get("/admin/").get_data(as_text=True)
    assert "高研班列表" in html
    assert "用户管理" not in html
    assert "单位管理" not in html


def test_province_user_list_scoped(client, org_tree):
    login(client, "prov-a")
    html = client.get("/admin/users/").get_data(as_text=True)
    assert "unit-a1" in html
    assert "unit-b1" not in html
    assert "platform-admin" not in html


def test_province_cannot_view_foreign_user(client, org_tree):
    login(client, "prov-a")
    foreign = org_tree["user_unit_b1"]
    response = client.get(f"/admin/users/details/?id={foreign.id}", follow_redirects=True)
    assert "unit-b1" not in response.get_data(as_text=True)
    assert client.get(f"/admin/users/edit/?id={foreign.id}").status_code == 302


def test_province_cannot_edit_foreign_user(client, org_tree):
    login(client, "prov-a")
    foreign = org_tree["user_unit_b1"]
    post(
        client,
        f"/admin/users/edit/?id={foreign.id}",
        {"display_name": "改名", "organisation": org_tree["unit_a1"].id, "is_active": "y"},
    )
    after = User.get_by_id(foreign.id)
    assert after.display_name == foreign.display_name
    assert after.organisation_id == foreign.organisation_id


def test_province_cannot_delete_foreign_user(client, org_tree):
    login(client, "prov-a")
    foreign = org_tree["user_unit_b2"]
    post(client, "/admin/users/delete/", {"id": foreign.id})
    assert User.select().where(User.id == foreign.id).exists()


def test_bulk_delete_with_foreign_ids_deletes_nothing_foreign(client, org_tree, make_user):
    spare = make_user(org_tree["unit_a2"], username="spare-a2")
    login(client, "prov-a")
    foreign_ids = [org_tree["user_unit_b1"].id, org_tree["user_unit_b2"].id, org_tree["user_prov_b"].id]
    response = post(client, "/admin/users/action/", {"action": "delete", "rowid": foreign_ids + [spare.id]})
    assert response.status_code == 302
    assert User.select().where(User.id.in_(foreign_ids)).count() == 3
    assert not User.select().where(User.id == spare.id).exists()


def test_province_creates_user_in_subtree(client, org_tree):
    login(client, "prov-a")
    response = post(
        client,
        "/admin/users/new/",
        {
            "username": "new-a1-staff",
            "display_name": "新同事",
            "organisation": org_tree["unit_a1"].id,
            "password": "Fresh#Start2026",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    created = User.get(User.username == "new-a1-staff")
    assert created.organisation_id == org_tree["unit_a1"].id
    assert not created.is_platform_admin


def test_province_cannot_create_user_outside_subtree(client, org_tree):
    login(client, "prov-a")
    response = post(
        client,
        "/admin/users/new/",
        {
            "username": "intruder",
            "display_name": "越权",
            "organisation": org_tree["unit_b1"].id,
            "password": "Fresh#Start2026",
            "is_active": "y",
        },
    )
    assert response.status_code == 200
    assert not User.select().where(User.username == "intruder").exists()


def test_province_cannot_grant_platform_admin(client, org_tree):
    login(client, "prov-a")
    post(
        client,
        "/admin/users/new/",
        {
            "username": "sneaky",
            "display_name": "越权",
            "organisation": org_tree["unit_a1"].id,
            "password": "Fresh#Start2026",
            "is_active": "y",
            "is_platform_admin": "y",
        },
    )
    assert not User.get(User.username == "sneaky").is_platform_admin


def test_user_form_lists_only_subtree_organisations(client, org_tree):
    login(client, "prov-a")
    html = client.get("/admin/users/new/").get_data(as_text=True)
    assert org_tree["unit_a1"].name in html
    assert org_tree["unit_b1"].name not in html
    assert org_tree["ministry"].name not in html.split("<form", 1)[1]


def test_province_creates_org_under_itself(client, org_tree):
    login(client, "prov-a")
    response = post(
        client,
        "/admin/organisations/new/",
        {"name": "新设单位", "code": "NEW-UNIT-1", "parent": org_tree["prov_a"].id, "is_active": "y"},
    )
    assert response.status_code == 302
    created = Organisation.get(Organisation.code == "NEW-UNIT-1")
    assert created.level == 3
    assert created.path == f"{org_tree['prov_a'].path}{created.id}/"


def test_province_cannot_create_org_outside_subtree(client, org_tree):
    login(client, "prov-a")
    post(client, "/admin/organisations/new/", {"name": "越权单位", "code": "BAD-1", "parent": org_tree["prov_b"].id})
    post(client, "/admin/organisations/new/", {"name": "越权省份", "code": "BAD-2", "parent": org_tree["ministry"].id})
    assert not Organisation.select().where(Organisation.code.in_(["BAD-1", "BAD-2"])).exists()


def test_unit_cannot_get_children(client, org_tree):
    login(client, "platform-admin")
    post(client, "/admin/organisations/new/", {"name": "四级单位", "code": "LEVEL4", "parent": org_tree["unit_a1"].id})
    assert not Organisation.select().where(Organisation.code == "LEVEL4").exists()


def test_province_cannot_move_org_out_of_subtree(client, org_tree):
    login(client, "prov-a")
    unit = org_tree["unit_a2"]
    post(
        client,
        f"/admin/organisations/edit/?id={unit.id}",
        {"name": unit.name, "code": unit.code, "parent": org_tree["prov_b"].id, "is_active": "y"},
    )
    after = Organisation.get_by_id(unit.id)
    assert after.parent_id == org_tree["prov_a"].id
    assert after.path == unit.path


def test_province_cannot_edit_foreign_org(client, org_tree):
    login(client, "prov-a")
    foreign = org_tree["unit_b1"]
    post(client, f"/admin/organisations/edit/?id={foreign.id}", {"name": "被改名", "code": foreign.code, "is_active": "y"})
    assert Organisation.get_by_id(foreign.id).name == foreign.name


def test_delete_org_with_users_refused(client, org_tree):
    login(client, "platform-admin")
    unit = org_tree["unit_a1"]
    response = post(client, "/admin/organisations/delete/", {"id": unit.id}, follow_redirects=True)
    assert Organisation.select().where(Organisation.id == unit.id).exists()
    assert User.select().where(User.organisation == unit).exists()
    assert "不能删除" in response.get_data(as_text=True)


def test_delete_org_with_workshops_refused(client, org_tree, make_workshop, make_org):
    empty = make_org("只有高研班的单位", org_tree["prov_a"])
    workshop = make_workshop(empty)
    login(client, "platform-admin")
    post(client, "/admin/organisations/delete/", {"id": empty.id})
    assert Organisation.select().where(Organisation.id == empty.id).exists()
    assert Workshop.select().where(Workshop.id == workshop.id).exists()


def test_delete_empty_org_allowed(client, org_tree, make_org):
    empty = make_org("空单位", org_tree["prov_a"])
    login(client, "prov-a")
    post(client, "/admin/organisations/delete/", {"id": empty.id})
    assert not Organisation.select().where(Organisation.id == empty.id).exists()


def test_deactivating_org_ends_member_sessions(app, client, org_tree):
    member = app.test_client()
    login(member, "unit-a2")
    login(client, "prov-a")
    unit = org_tree["unit_a2"]
    post(client, f"/admin/organisations/edit/?id={unit.id}", {"name": unit.name, "code": unit.code})
    assert not Organisation.get_by_id(unit.id).is_active
    assert member.get("/admin/").status_code == 302


def test_password_reset_by_province(client, org_tree):
    login(client, "prov-a")
    target = org_tree["user_unit_a1"]
    response = post(client, "/admin/users/reset-password/", {"id": target.id})
    html = response.get_data(as_text=True)
    assert "新密码" in html
    assert User.get_by_id(target.id).session_version == target.session_version + 1
    assert AuditRecord.select().where(AuditRecord.action == "password_reset", AuditRecord.object_id == target.id).exists()


def test_password_reset_of_foreign_user_refused(client, org_tree):
    login(client, "prov-a")
    target = org_tree["user_unit_b1"]
    response = post(client, "/admin/users/reset-password/", {"id": target.id})
    assert response.status_code == 404
    assert login(client.application.test_client(), "unit-b1", PASSWORD).status_code == 302


def test_role_change_ends_sessions(app, client, org_tree):
    member = app.test_client()
    login(member, "unit-a2")
    login(client, "prov-a")
    target = org_tree["user_unit_a2"]
    post(
        client,
        f"/admin/users/edit/?id={target.id}",
        {"display_name": target.display_name, "organisation": org_tree["unit_a1"].id, "is_active": "y"},
    )
    assert User.get_by_id(target.id).organisation_id == org_tree["unit_a1"].id
    assert member.get("/admin/").status_code == 302


def test_audit_records_cannot_be_changed(org_tree):
    from models import AuditRecordImmutable
    from services import audit

    entry = audit.record(org_tree["admin"], "password_reset", org_tree["user_unit_a1"])
    with pytest.raises(AuditRecordImmutable):
        entry.reason = "changed"
        entry.save()
    with pytest.raises(AuditRecordImmutable):
        entry.delete_instance()


def test_audit_table_rejects_raw_update(org_tree):
    import peewee

    from models import db
    from services import audit

    audit.record(org_tree["admin"], "password_reset", org_tree["user_unit_a1"])
    with pytest.raises(peewee.DatabaseError):
        with db.atomic():
            db.execute_sql("UPDATE audit_record SET reason = 'x'")
    with pytest.raises(peewee.DatabaseError):
        with db.atomic():
            db.execute_sql("DELETE FROM audit_record")
    assert AuditRecord.select().count() == 1


def test_audit_view_has_no_edit_or_delete(client, org_tree):
    login(client, "platform-admin")
    assert client.get("/admin/audit/new/").status_code == 302
    assert client.get("/admin/audit/edit/?id=1").status_code == 302
    assert post(client, "/admin/audit/delete/", {"id": 1}).status_code == 302
