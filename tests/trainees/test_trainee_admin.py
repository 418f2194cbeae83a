"""Trainee and completion admin pages: scoping on every path, single edits, import permissions and buttons."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from models import AuditRecord, DeclarationStatus, Trainee, TraineeListStatus, Workshop
from services import workflow
from tests.conftest import login, post
from tests.trainees.conftest import resident_id, start_web_import, valid_rows, workbook_bytes


@pytest.fixture
def lists(org_tree, approved_workshop, make_workshop, make_trainee):
    """Approved workshops of unit A1 (two trainees) and unit B1 (one trainee)."""
    make_trainee(approved_workshop, resident_id(1), name="张三")
    make_trainee(approved_workshop, resident_id(2), name="李四")
    other = make_workshop(org_tree["unit_b1"], status=DeclarationStatus.APPROVED, name="华南研修班")
    foreign = make_trainee(other, resident_id(3), name="王五")
    return approved_workshop, other, foreign


def client_for(app, username):
    client = app.test_client()
    login(client, username)
    return client


def trainee_form(**values):
    data = {"name": "赵六", "hours": "40", "document_type": "", "id_number": resident_id(4), "phone": "13800000004"}
    data.update(values)
    return data


# The list and its scoping


def test_list_masks_id_numbers(app, lists):
    html = client_for(app, "prov-a").get("/admin/trainees/").get_data(as_text=True)
    assert "张三" in html
    assert resident_id(1) not in html
    assert resident_id(1)[:6] + "********" + resident_id(1)[-4:] in html


def test_list_scoped_to_subtree(app, lists):
    html = client_for(app, "unit-b1").get("/admin/trainees/").get_data(as_text=True)
    assert "王五" in html
    assert "张三" not in html


def test_foreign_details_and_edit_not_found(app, lists):
    _, _, foreign = lists
    client = client_for(app, "prov-a")
    for url in (f"/admin/trainees/details/?id={foreign.id}", f"/admin/trainees/edit/?id={foreign.id}"):
        html = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "王五" not in html, url


def test_foreign_edit_post_changes_nothing(app, lists):
    _, _, foreign = lists
    post(client_for(app, "prov-a"), f"/admin/trainees/edit/?id={foreign.id}", trainee_form(id_number=resident_id(3)))
    assert Trainee.get_by_id(foreign.id).name == "王五"


def test_foreign_delete_and_bulk_delete_change_nothing(app, lists):
    _, _, foreign = lists
    client = client_for(app, "prov-a")
    post(client, "/admin/trainees/delete/", {"id": foreign.id})
    post(client, "/admin/trainees/action/", {"action": "delete", "rowid": [foreign.id]})
    assert Trainee.get_or_none(Trainee.id == foreign.id) is not None


def test_foreign_ajax_update_refused(app, lists):
    _, _, foreign = lists
    response = post(client_for(app, "prov-a"), "/admin/trainees/ajax/update/", {"list_form_pk": foreign.id, "name": "改名"})
    assert response.status_code == 404
    assert Trainee.get_by_id(foreign.id).name == "王五"


def test_export_scoped_and_masked(app, lists):
    response = client_for(app, "prov-a").get("/admin/trainees/export/xlsx/")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(row[1] for row in rows) == ["张三", "李四"]
    assert all("*" in row[3] for row in rows)
    assert sheet.cell(row=1, column=4).value == "身份证号"


def test_unit_reads_but_cannot_change(app, org_tree, approved_workshop, make_trainee):
    trainee = make_trainee(approved_workshop, resident_id(1), name="张三")
    client = client_for(app, "unit-a1")
    assert "张三" in client.get("/admin/trainees/").get_data(as_text=True)
    post(client, f"/admin/trainees/edit/?id={trainee.id}", trainee_form(id_number=resident_id(1)))
    post(client, "/admin/trainees/delete/", {"id": trainee.id})
    post(client, "/admin/trainees/new/", trainee_form(workshop=approved_workshop.id))
    assert [t.name for t in Trainee.select()] == ["张三"]


# Single additions and edits with the import's checks


def test_add_trainee_through_form(app, approved_workshop):
    response = post(
        client_for(app, "prov-a"), "/admin/trainees/new/", trainee_form(workshop=approved_workshop.id, hours="40学时")
    )
    assert response.status_code == 302
    trainee = Trainee.get(Trainee.name == "赵六")
    assert (trainee.hours, trainee.workshop_id) == (Decimal(40), approved_workshop.id)
    assert AuditRecord.get(AuditRecord.action == "add_trainee").object_id == trainee.id


def test_add_with_bad_id_shows_field_error(app, approved_workshop):
    bad = resident_id(4)[:-1] + ("0" if resident_id(4)[-1] != "0" else "1")
    response = post(client_for(app, "prov-a"), "/admin/trainees/new/", trainee_form(workshop=approved_workshop.id, id_number=bad))
    assert "校验码" in response.get_data(as_text=True)
    assert Trainee.select().count() == 0


def test_add_duplicate_refused(app, lists):
    workshop, _, _ = lists
    form = trainee_form(workshop=workshop.id, id_number=resident_id(1))
    html = post(client_for(app, "prov-a"), "/admin/trainees/new/", form).get_data(as_text=True)
    assert "名单中已有此证件号码的学员（张三）" in html
    assert Trainee.select().where(Trainee.workshop == workshop.id).count() == 2


def test_add_to_unapproved_workshop_refused(app, org_tree, make_workshop):
    draft = make_workshop(org_tree["unit_a1"])
    post(client_for(app, "prov-a"), "/admin/trainees/new/", trainee_form(workshop=draft.id))
    assert Trainee.select().count() == 0


def test_edit_page_shows_full_number_for_correction(app, lists):
    workshop, _, _ = lists
    trainee = Trainee.get(Trainee.name == "张三")
    html = client_for(app, "prov-a").get(f"/admin/trainees/edit/?id={trainee.id}").get_data(as_text=True)
    assert resident_id(1) in html


def test_ajax_update_checks_hours(app, lists):
    trainee = Trainee.get(Trainee.name == "张三")
    client = client_for(app, "prov-a")
    refused = post(client, "/admin/trainees/ajax/update/", {"list_form_pk": trainee.id, "hours": "-3"})
    assert refused.status_code == 400
    assert "大于零" in refused.get_data(as_text=True)
    accepted = post(client, "/admin/trainees/ajax/update/", {"list_form_pk": trainee.id, "hours": "32"})
    assert accepted.status_code == 200
    assert Trainee.get_by_id(trainee.id).hours == Decimal(32)


def test_verification_filter_lists_passports(app, org_tree, approved_workshop, make_trainee):
    make_trainee(approved_workshop, "E12345678", name="JOHN SMITH", document_type="passport", needs_verification=True)
    make_trainee(approved_workshop, resident_id(1), name="张三")
    html = client_for(app, "platform-admin").get("/admin/trainees/?flt0_2=1").get_data(as_text=True)
    assert "JOHN SMITH" in html
    assert "张三" not in html
    assert "待核实" in html


# Import pages


def test_import_refused_for_unit(app, approved_workshop):
    client = client_for(app, "unit-a1")
    assert client.get(f"/admin/trainee-import/{approved_workshop.id}/").status_code == 403
    assert start_web_import(client, approved_workshop.id, workbook_bytes(valid_rows(2))).status_code == 403
    assert Trainee.select().count() == 0


def test_import_refused_for_other_province(app, approved_workshop):
    client = client_for(app, "prov-b")
    assert client.get(f"/admin/trainee-import/{approved_workshop.id}/template.xlsx").status_code == 404
    assert start_web_import(client, approved_workshop.id, workbook_bytes(valid_rows(2))).status_code == 404
    assert Trainee.select().count() == 0


def test_import_refused_before_declaration_approved(app, org_tree, make_workshop):
    pending = make_workshop(org_tree["unit_a1"], status=DeclarationStatus.MINISTRY_SUBMITTED)
    response = start_web_import(client_for(app, "prov-a"), pending.id, workbook_bytes(valid_rows(2)))
    assert response.status_code == 403
    assert Trainee.select().count() == 0


def test_template_download(app, approved_workshop):
    response = client_for(app, "prov-a").get(f"/admin/trainee-import/{approved_workshop.id}/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert "人工智能高级研修班" in sheet["A1"].value


def test_job_of_another_user_not_found(app, org_tree, approved_workshop, web_import):
    outcome = web_import(
        client_for(app, "prov-a"), org_tree["user_prov_a"], approved_workshop.id, workbook_bytes([["", 1, "x", ""]])
    )
    other = client_for(app, "platform-admin")
    for suffix in ("", "status", "marked.xlsx"):
        assert other.get(outcome["url"] + suffix).status_code == 404, suffix


def test_import_duplicate_of_list_refused(app, org_tree, lists, web_import):
    workshop, _, _ = lists
    rows = valid_rows(3, start=1)
    outcome = web_import(client_for(app, "prov-a"), org_tree["user_prov_a"], workshop.id, workbook_bytes(rows))
    answer = outcome["job"].result
    assert answer["accept"] is False
    assert [(e["row"], e["reason_kind"]) for e in answer["errors"]] == [(2, "duplicate"), (3, "duplicate")]
    assert Trainee.select().where(Trainee.workshop == workshop.id).count() == 2


def test_import_replace_swaps_list(app, org_tree, lists, web_import):
    workshop, _, _ = lists
    rows = valid_rows(3, start=1)
    outcome = web_import(client_for(app, "prov-a"), org_tree["user_prov_a"], workshop.id, workbook_bytes(rows), replace=True)
    assert outcome["job"].result["rows"] == 3
    assert sorted(t.name for t in Trainee.select().where(Trainee.workshop == workshop.id)) == ["学员1", "学员2", "学员3"]


def test_import_progress_page_and_status(app, org_tree, approved_workshop):
    app.config["IMPORT_PROGRESS_AFTER_SECONDS"] = 0
    client = client_for(app, "prov-a")
    response = start_web_import(client, approved_workshop.id, workbook_bytes(valid_rows(300)))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "import-progress" in page or "已导入 300 名学员" in page
    from tests.trainees.conftest import finish_web_import

    outcome = finish_web_import(client, response)
    assert outcome["status"]["state"] == "accepted"
    assert "已导入 300 名学员" in outcome["html"]


# Completion list


def test_completion_buttons_follow_role_and_status(app, org_tree, lists):
    workshop, _, _ = lists
    province = client_for(app, "prov-a").get("/admin/completion/").get_data(as_text=True)
    assert "导入学员" in province
    assert "下载导入模板" in province
    assert "提交" in province
    assert "华南研修班" not in province
    workflow.perform(org_tree["user_prov_a"], workshop.id, "submit_trainee_list")
    ministry = client_for(app, "ministry").get("/admin/completion/").get_data(as_text=True)
    assert "审核通过" in ministry
    assert "驳回" in ministry
    unit = client_for(app, "unit-a1").get("/admin/completion/").get_data(as_text=True)
    assert "查看名单" in unit
    assert "导入学员" not in unit
    assert "审核通过" not in unit


def test_completion_lists_only_approved_declarations(app, org_tree, make_workshop):
    make_workshop(org_tree["unit_a1"], name="仍在申报中的研修班")
    make_workshop(org_tree["unit_a1"], status=DeclarationStatus.APPROVED, name="已立项研修班")
    html = client_for(app, "ministry").get("/admin/completion/").get_data(as_text=True)
    assert "已立项研修班" in html
    assert "仍在申报中的研修班" not in html


def test_submit_confirmation_then_lock(app, lists):
    workshop, _, _ = lists
    client = client_for(app, "prov-a")
    page = client.get(f"/admin/completion/submit/?id={workshop.id}").get_data(as_text=True)
    assert "任何人" in page
    assert "锁定" in page
    post(client, "/admin/completion/transition/", {"id": workshop.id, "action": "submit_trainee_list"})
    assert Workshop.get_by_id(workshop.id).trainee_list_locked


def test_foreign_province_cannot_submit(app, lists):
    workshop, _, _ = lists
    client = client_for(app, "prov-b")
    assert client.get(f"/admin/completion/submit/?id={workshop.id}").status_code == 404
    post(client, "/admin/completion/transition/", {"id": workshop.id, "action": "submit_trainee_list"})
    assert Workshop.get_by_id(workshop.id).trainee_list_status == TraineeListStatus.OPEN


def test_ministry_rejects_with_reason_page(app, org_tree, lists):
    workshop, _, _ = lists
    workflow.perform(org_tree["user_prov_a"], workshop.id, "submit_trainee_list")
    client = client_for(app, "ministry")
    assert "理由" in client.get(f"/admin/completion/reject/?ids={workshop.id}").get_data(as_text=True)
    post(client, "/admin/completion/transition/", {"id": workshop.id, "action": "reject_trainee_list", "reason": "学时不符"})
    assert Workshop.get_by_id(workshop.id).trainee_list_status == TraineeListStatus.REJECTED
    html = client_for(app, "prov-a").get("/admin/completion/").get_data(as_text=True)
    assert "学时不符" in html


def test_ministry_bulk_approve(app, org_tree, lists, make_trainee):
    workshop, other, _ = lists
    workflow.perform(org_tree["user_prov_a"], workshop.id, "submit_trainee_list")
    workflow.perform(org_tree["user_prov_b"], other.id, "submit_trainee_list")
    client = client_for(app, "ministry")
    post(client, "/admin/completion/action/", {"action": "approve_trainee_list", "rowid": [workshop.id, other.id]})
    assert Trainee.select().where(Trainee.certificate_number.is_null()).count() == 0


def test_province_cannot_run_bulk_approve(app, org_tree, lists):
    workshop, _, _ = lists
    workflow.perform(org_tree["user_prov_a"], workshop.id, "submit_trainee_list")
    post(client_for(app, "prov-a"), "/admin/completion/action/", {"action": "approve_trainee_list", "rowid": [workshop.id]})
    assert Workshop.get_by_id(workshop.id).trainee_list_status == TraineeListStatus.SUBMITTED


@pytest.mark.parametrize(
    "username, text", [("ministry", "待审核的学员名单"), ("prov-a", "尚未提交的学员名单"), ("platform-admin", "证件待核实的学员")]
)
def test_dashboard_panel(app, lists, username, text):
    assert text in client_for(app, username).get("/admin/").get_data(as_text=True)


def test_export_neutralises_formula_names(app, approved_workshop, make_trainee):
    make_trainee(approved_workshop, resident_id(1), name="=HYPERLINK(1)")
    response = client_for(app, "prov-a").get("/admin/trainees/export/xlsx/")
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s"
    assert cell.value == "'=HYPERLINK(1)"


def test_import_stores_special_characters_exactly(app, org_tree, approved_workshop, web_import):
    """Backslashes and apostrophes survive the bulk insert (COPY on PostgreSQL, a prepared INSERT on SQLite)."""
    rows = [["O'Brien\\Jr", 40, "E12345678", None], ["张\\三", 40.5, resident_id(2), "010-12345678"]]
    outcome = web_import(client_for(app, "prov-a"), org_tree["user_prov_a"], approved_workshop.id, workbook_bytes(rows))
    assert outcome["job"].result["rows"] == 2
    stored = {t.name: t for t in Trainee.select()}
    assert set(stored) == {"O'Brien\\Jr", "张\\三"}
    assert stored["张\\三"].hours == Decimal("40.5")
    assert stored["张\\三"].phone == "010-12345678"
    assert stored["O'Brien\\Jr"].document_type == "passport"
