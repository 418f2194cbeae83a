"""Declaration pages: the form, the template, reviews, bulk actions, the timeline and the dashboard."""

import decimal
import io
import re

import pytest
from openpyxl import load_workbook

from models import AuditRecord, DeclarationStatus, ProfessionalField, Workshop
from services import workflow
from tests.conftest import csrf_token, login, post, zip_bytes

S = DeclarationStatus


def form_data(field_id, **overrides):
    data = {
        "year": "2026",
        "name": "智能制造新技术高级研修班",
        "host_unit": "南京工业大学",
        "field": str(field_id),
        "is_featured": "0",
        "featured_years": "",
        "self_funded": "0",
        "amount": "15.50",
        "purpose": "提升智能制造领域专业技术人员的创新能力。",
        "start_date": "2026-09-01",
        "end_date": "2026-09-07",
        "place": "南京",
        "contact_person": "王老师",
        "contact_phone": "025-12345678",
        "planned_trainees": "50",
    }
    data.update(overrides)
    return data


def submit_form(client, url, data, attachment=None, filename="申报材料.zip"):
    data = dict(data)
    data["csrf_token"] = csrf_token(client)
    if attachment is not None:
        data["attachment"] = (io.BytesIO(attachment), filename)
    return client.post(url, data=data, content_type="multipart/form-data")


def flashes(html):
    return re.findall(r'class="alert alert-[a-z]+[^"]*">\s*(?:<button[^>]*>[^<]*</button>)?\s*([^<]+?)\s*</div>', html)


def test_unit_saves_draft_with_attachment(client, org_tree, reference_data):
    login(client, "unit-a1")
    response = submit_form(
        client, "/admin/workshops/declare/", form_data(reference_data["field"].id) | {"_save": "1"}, zip_bytes()
    )
    assert response.status_code == 302
    workshop = Workshop.get(Workshop.name == "智能制造新技术高级研修班")
    assert workshop.status == S.DRAFT
    assert workshop.organisation_id == org_tree["unit_a1"].id
    assert workshop.attachment.original_name == "申报材料.zip"
    assert workshop.amount == decimal.Decimal("15.50")
    assert not workshop.is_featured
    assert not workshop.self_funded


def test_unit_saves_and_submits(client, org_tree, reference_data):
    login(client, "unit-a1")
    submit_form(client, "/admin/workshops/declare/", form_data(reference_data["field"].id) | {"_submit": "1"}, zip_bytes())
    workshop = Workshop.get(Workshop.name == "智能制造新技术高级研修班")
    assert workshop.status == S.INITIAL_SUBMITTED
    actions = [r.action for r in AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).order_by(AuditRecord.id)]
    assert actions == ["create", "submit"]


def test_submit_without_attachment_keeps_draft(client, org_tree, reference_data):
    login(client, "unit-a1")
    response = submit_form(client, "/admin/workshops/declare/", form_data(reference_data["field"].id) | {"_submit": "1"})
    workshop = Workshop.get(Workshop.name == "智能制造新技术高级研修班")
    assert workshop.status == S.DRAFT
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "尚未上传申报附件" in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": "很" * 51}, "最多 50 个字符。"),
        ({"name": ""}, "请填写项目名称。"),
        ({"amount": "1.234"}, "金额最多保留两位小数。"),
        ({"amount": "-1"}, "请填写 0 至 99999 之间的金额"),
        ({"amount": ""}, "财政班须填写金额。"),
        ({"end_date": "2026-08-01"}, "结束日期不能早于开始日期。"),
        ({"is_featured": "1"}, "特色班须填写拟办年限。"),
        ({"planned_trainees": "0"}, "请填写 1 至 10000 之间的整数。"),
        ({"contact_phone": "call me"}, "只能填写数字、空格、+、- 或括号。"),
        ({"start_date": ""}, "请按 YYYY-MM-DD 格式填写开始日期。"),
        ({"amount": "abc"}, "不是有效的小数"),
        ({"planned_trainees": "十"}, "不是有效的整数"),
        ({"field": "99999"}, "不是有效的选择"),
    ],
)
def test_form_validation_messages(client, org_tree, reference_data, overrides, message):
    login(client, "unit-a1")
    response = submit_form(client, "/admin/workshops/declare/", form_data(reference_data["field"].id, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert Workshop.select().count() == 0


def test_self_funded_without_amount_accepted(client, org_tree, reference_data):
    login(client, "unit-a1")
    submit_form(client, "/admin/workshops/declare/", form_data(reference_data["field"].id, amount="", self_funded="1"))
    workshop = Workshop.get(Workshop.name == "智能制造新技术高级研修班")
    assert workshop.self_funded and workshop.amount is None


def test_featured_years_cleared_when_not_featured(client, org_tree, reference_data):
    login(client, "unit-a1")
    submit_form(client, "/admin/workshops/declare/", form_data(reference_data["field"].id, featured_years="3"))
    assert Workshop.get(Workshop.name == "智能制造新技术高级研修班").featured_years is None


def test_renamed_non_archive_attachment_rejected(app, client, org_tree, reference_data):
    login(client, "unit-a1")
    response = submit_form(
        client, "/admin/workshops/declare/", form_data(reference_data["field"].id), b"<html>not an archive</html>", "材料.zip"
    )
    assert "不是 zip 文件" in response.get_data(as_text=True)
    assert Workshop.select().count() == 0


def test_ministry_cannot_declare(client, org_tree):
    login(client, "ministry")
    assert client.get("/admin/workshops/declare/").status_code == 403


def test_edit_draft_saves_changes(client, org_tree, make_workshop, reference_data):
    workshop = make_workshop(org_tree["unit_a1"])
    login(client, "unit-a1")
    page = client.get(f"/admin/workshops/declare/edit/?id={workshop.id}").get_data(as_text=True)
    assert workshop.name in page
    data = form_data(reference_data["field"].id, name="改过的名称", version=str(workshop.version))
    response = submit_form(client, f"/admin/workshops/declare/edit/?id={workshop.id}", data)
    assert response.status_code == 302
    after = Workshop.get_by_id(workshop.id)
    assert after.name == "改过的名称"
    assert after.version == workshop.version + 1
    assert after.attachment_id == workshop.attachment_id


def test_edit_form_selects_the_saved_field(client, org_tree, make_workshop, reference_data):
    other = ProfessionalField.create(name="生物医药", sort_order=2)
    workshop = make_workshop(org_tree["unit_a1"], field=other)
    login(client, "unit-a1")
    page = client.get(f"/admin/workshops/declare/edit/?id={workshop.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="field".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option selected value="(\d+)"', select) == [str(other.id)]


def test_stale_edit_refused_with_conflict(client, org_tree, make_workshop, reference_data):
    workshop = make_workshop(org_tree["unit_a1"])
    login(client, "unit-a1")
    first = form_data(reference_data["field"].id, name="第一次保存", version=str(workshop.version))
    submit_form(client, f"/admin/workshops/declare/edit/?id={workshop.id}", first)
    second = form_data(reference_data["field"].id, name="第二次保存", version=str(workshop.version))
    response = submit_form(client, f"/admin/workshops/declare/edit/?id={workshop.id}", second)
    assert "已有其他人保存了修改" in response.get_data(as_text=True)
    assert Workshop.get_by_id(workshop.id).name == "第一次保存"


def test_edit_of_submitted_declaration_refused(client, org_tree, make_workshop, reference_data):
    workshop = make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED)
    login(client, "unit-a1")
    data = form_data(reference_data["field"].id, name="越权修改", version=str(workshop.version))
    submit_form(client, f"/admin/workshops/declare/edit/?id={workshop.id}", data)
    assert Workshop.get_by_id(workshop.id).name == workshop.name


def test_edit_of_other_subtree_not_found(client, org_tree, make_workshop, reference_data):
    workshop = make_workshop(org_tree["unit_a1"])
    login(client, "unit-b1")
    assert client.get(f"/admin/workshops/declare/edit/?id={workshop.id}").status_code == 404
    data = form_data(reference_data["field"].id, name="越权修改", version=str(workshop.version))
    assert submit_form(client, f"/admin/workshops/declare/edit/?id={workshop.id}", data).status_code == 404
    assert Workshop.get_by_id(workshop.id).name == workshop.name


def test_province_edits_after_initial_pass_and_submits(client, org_tree, make_workshop, reference_data):
    workshop = make_workshop(org_tree["unit_a1"], status=S.INITIAL_APPROVED)
    login(client, "prov-a")
    data = form_data(reference_data["field"].id, place="苏州", version=str(workshop.version), _submit="1")
    submit_form(client, f"/admin/workshops/declare/edit/?id={workshop.id}", data)
    after = Workshop.get_by_id(workshop.id)
    assert after.place == "苏州"
    assert after.status == S.MINISTRY_SUBMITTED


def test_delete_draft(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"])
    login(client, "unit-a1")
    post(client, "/admin/workshops/declare/delete/", {"id": workshop.id})
    assert not Workshop.select().where(Workshop.id == workshop.id).exists()
    assert AuditRecord.get(AuditRecord.workshop_id == workshop.id).action == "delete"


def test_delete_submitted_refused(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED)
    login(client, "unit-a1")
    post(client, "/admin/workshops/declare/delete/", {"id": workshop.id})
    assert Workshop.select().where(Workshop.id == workshop.id).exists()


def test_delete_foreign_draft_refused(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"])
    login(client, "unit-b1")
    post(client, "/admin/workshops/declare/delete/", {"id": workshop.id})
    assert Workshop.select().where(Workshop.id == workshop.id).exists()


def test_list_buttons_follow_role_and_status(client, org_tree, make_workshop):
    draft = make_workshop(org_tree["unit_a1"], name="草稿班")
    make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED, name="待初审班")
    login(client, "unit-a1")
    html = client.get("/admin/workshops/").get_data(as_text=True)
    assert f"/admin/workshops/declare/edit/?id={draft.id}" in html
    assert 'value="submit"' in html
    assert "/admin/workshops/review/" not in html

    province = client.application.test_client()
    login(province, "prov-a")
    html = province.get("/admin/workshops/").get_data(as_text=True)
    assert "/admin/workshops/review/" in html
    assert f"/admin/workshops/declare/edit/?id={draft.id}" not in html


def test_review_page_and_initial_rejection(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED)
    login(client, "prov-a")
    page = client.get(f"/admin/workshops/review/?id={workshop.id}").get_data(as_text=True)
    assert "初审通过" in page
    assert "初审驳回" in page
    assert workshop.name in page
    assert f"/files/{workshop.attachment_id}" in page
    post(client, "/admin/workshops/transition/", {"id": workshop.id, "action": "initial_reject", "reason": "缺少课程表"})
    after = Workshop.get_by_id(workshop.id)
    assert after.status == S.INITIAL_REJECTED
    assert after.last_reason == "缺少课程表"


def test_initial_rejection_without_reason_refused(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED)
    login(client, "prov-a")
    response = post(client, "/admin/workshops/transition/", {"id": workshop.id, "action": "initial_reject", "reason": ""})
    assert response.headers["Location"].endswith(f"/admin/workshops/review/?id={workshop.id}")
    assert Workshop.get_by_id(workshop.id).status == S.INITIAL_SUBMITTED


def test_review_page_of_other_province_not_found(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED)
    login(client, "prov-b")
    assert client.get(f"/admin/workshops/review/?id={workshop.id}").status_code == 404
    assert post(client, "/admin/workshops/transition/", {"id": workshop.id, "action": "initial_approve"}).status_code == 404
    assert Workshop.get_by_id(workshop.id).status == S.INITIAL_SUBMITTED


def test_bulk_approve_confirmation_lists_rows(client, org_tree, make_workshop):
    ready = make_workshop(org_tree["unit_a1"], status=S.MINISTRY_SUBMITTED, name="可审核班")
    early = make_workshop(org_tree["unit_b1"], status=S.INITIAL_SUBMITTED, name="未到部班")
    login(client, "ministry")
    response = post(client, "/admin/workshops/action/", {"action": "approve", "rowid": [ready.id, early.id]})
    html = response.get_data(as_text=True)
    assert "确认批量操作" in html
    assert "可审核班" in html
    assert "未到部班" in html
    assert "将跳过" in html
    assert Workshop.get_by_id(ready.id).status == S.MINISTRY_SUBMITTED


def test_bulk_approve_mixed_rows(client, org_tree, make_workshop):
    first = make_workshop(org_tree["unit_a1"], status=S.MINISTRY_SUBMITTED, name="甲班")
    second = make_workshop(org_tree["prov_b"], status=S.MINISTRY_SUBMITTED, name="乙班")
    draft = make_workshop(org_tree["unit_b1"], name="丙班")
    login(client, "ministry")
    response = post(client, "/admin/workshops/bulk/", {"action": "approve", "rowid": [first.id, second.id, draft.id]})
    assert response.status_code == 302
    assert Workshop.get_by_id(first.id).status == S.APPROVED
    assert Workshop.get_by_id(second.id).status == S.APPROVED
    assert Workshop.get_by_id(draft.id).status == S.DRAFT
    html = client.get("/admin/workshops/").get_data(as_text=True)
    assert "已处理 2 个高研班。" in html
    assert "已跳过“丙班”" in html


def test_bulk_reject_requires_reason(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=S.MINISTRY_SUBMITTED)
    login(client, "ministry")
    html = post(client, "/admin/workshops/bulk/", {"action": "reject", "rowid": [workshop.id]}).get_data(as_text=True)
    assert "请填写“申报驳回”的理由。" in html
    assert Workshop.get_by_id(workshop.id).status == S.MINISTRY_SUBMITTED
    post(client, "/admin/workshops/bulk/", {"action": "reject", "rowid": [workshop.id], "reason": "预算过高"})
    after = Workshop.get_by_id(workshop.id)
    assert after.status == S.REJECTED
    assert after.last_reason == "预算过高"


def test_bulk_action_refused_for_province(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=S.MINISTRY_SUBMITTED)
    login(client, "prov-a")
    assert post(client, "/admin/workshops/bulk/", {"action": "approve", "rowid": [workshop.id]}).status_code == 403
    post(client, "/admin/workshops/action/", {"action": "approve", "rowid": [workshop.id]})
    assert Workshop.get_by_id(workshop.id).status == S.MINISTRY_SUBMITTED


def test_timeline_on_details(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"])
    workflow.perform(org_tree["user_unit_a1"], workshop.id, "submit")
    workflow.perform(org_tree["user_prov_a"], workshop.id, "initial_reject", "请补充课程表")
    login(client, "unit-a1")
    html = client.get(f"/admin/workshops/details/?id={workshop.id}").get_data(as_text=True)
    assert "办理记录" in html
    assert "申报新建 → 初报提交" in html
    assert "初审驳回" in html
    assert "请补充课程表" in html
    assert org_tree["prov_a"].name in html


def test_dashboard_todo_counts(client, org_tree, make_workshop):
    make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED)
    make_workshop(org_tree["unit_a2"], status=S.INITIAL_SUBMITTED)
    make_workshop(org_tree["unit_b1"], status=S.INITIAL_SUBMITTED)
    login(client, "prov-a")
    html = client.get("/admin/").get_data(as_text=True)
    match = re.search(r"dashboard-count[^>]*>(\d+)</div>\s*<div>待您初审的申报", html)
    assert match and match.group(1) == "2"


def test_declaration_template_round_trip(client, org_tree, reference_data):
    login(client, "unit-a1")
    response = client.get("/admin/workshops/declare/template/")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["申报表"]
    labels = {sheet.cell(row=r, column=1).value: r for r in range(1, sheet.max_row + 1)}
    sheet.cell(row=labels["项目名称"], column=2, value="离线填写的研修班")
    sheet.cell(row=labels["所属领域"], column=2, value=reference_data["field"].name)
    sheet.cell(row=labels["年度"], column=2, value="2026")
    sheet.cell(row=labels["计划开始日期"], column=2, value="2026-10-01")
    sheet.cell(row=labels["计划结束日期"], column=2, value="2026/10/05")
    sheet.cell(row=labels["金额（万元）"], column=2, value="八万")
    buffer = io.BytesIO()
    workbook.save(buffer)

    data = {"csrf_token": csrf_token(client), "template": (io.BytesIO(buffer.getvalue()), "填好的模板.xlsx")}
    html = client.post("/admin/workshops/declare/upload/", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert 'value="离线填写的研修班"' in html
    assert 'value="2026-10-05"' in html
    assert "金额（万元）：请填写数字" in html
    assert Workshop.select().count() == 0


def test_template_upload_of_non_workbook(client, org_tree):
    login(client, "unit-a1")
    data = {"csrf_token": csrf_token(client), "template": (io.BytesIO(b"not a workbook"), "模板.xlsx")}
    html = client.post("/admin/workshops/declare/upload/", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "该文件不是 .xlsx 工作簿" in html
