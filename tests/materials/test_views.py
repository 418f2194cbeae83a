"""The pages after approval: rendering, scoping on every path, uploads and bulk reviews through HTTP."""

import io

import pytest

from models import CompletionMaterial, DeclarationStatus, MaterialKind, PlanChange, PlanChangeStatus, ReviewStatus, Workshop
from services import permissions, plan_changes
from tests.conftest import login, post
from tests.materials.conftest import docx_bytes, file_storage, pdf_bytes


def as_user(app, username):
    client = app.test_client()
    login(client, username)
    return client


def file_field(data, name):
    return (io.BytesIO(data), name)


def submit_pair(client, workshop, notice=None, plan=None):
    data = {
        "id": workshop.id,
        "opening_notice": notice or file_field(pdf_bytes(), "开班通知.pdf"),
        "implementation_plan": plan or file_field(docx_bytes(), "实施方案.docx"),
    }
    return post(client, "/admin/opening_plans/submit/", data, content_type="multipart/form-data", follow_redirects=True)


def file_change(user, workshop, place="苏州"):
    values = dict(new_start_date=None, new_end_date=None, new_place=place, new_host_unit="", other_changes="", reason="场地调整")
    return plan_changes.file_plan_change(user, workshop.id, values, file_storage(pdf_bytes(), "申请.pdf"))


@pytest.mark.parametrize("username", ["prov-a", "ministry", "unit-a1", "platform-admin"])
def test_pages_render(app, org_tree, approved, username):
    workshop = approved()
    change = file_change(org_tree["user_prov_a"], workshop)
    client = as_user(app, username)
    for url in (
        "/admin/opening_plans/",
        f"/admin/opening_plans/view/?id={workshop.id}",
        f"/admin/opening_plans/submit/?id={workshop.id}",
        "/admin/plan_changes/",
        f"/admin/plan_changes/view/?id={change.id}",
        f"/admin/completion_materials/{workshop.id}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert workshop.name in response.get_data(as_text=True), url
    form = client.get("/admin/plan_changes/file/")
    assert form.status_code == 200
    assert "上报计划变化" in form.get_data(as_text=True)


def test_plan_list_columns_and_buttons(app, org_tree, approved, make_workshop):
    workshop = approved(name="列表研修班")
    make_workshop(org_tree["unit_a1"], status=DeclarationStatus.MINISTRY_SUBMITTED, name="未审核研修班")
    html = as_user(app, "prov-a").get("/admin/opening_plans/").get_data(as_text=True)
    for text in ("结束时间", "开班通知", "实施方案", "审核状态", "未上报", "上报", "查看"):
        assert text in html, text
    assert f"/admin/opening_plans/submit/?id={workshop.id}" in html
    assert "未审核研修班" not in html


def test_plan_list_hides_other_subtree(app, org_tree, approved):
    approved("unit_a1", name="江苏研修班")
    approved("unit_b1", name="广东研修班")
    html = as_user(app, "prov-b").get("/admin/opening_plans/").get_data(as_text=True)
    assert "广东研修班" in html
    assert "江苏研修班" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/admin/opening_plans/view/?id={id}",
        "/admin/opening_plans/submit/?id={id}",
        "/admin/completion_materials/{id}/",
    ],
)
def test_workshop_pages_of_other_subtree_not_found(app, org_tree, approved, url):
    workshop = approved("unit_a1")
    client = as_user(app, "prov-b")
    assert client.get(url.format(id=workshop.id)).status_code == 404


def test_unapproved_workshop_pages_not_found(app, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=DeclarationStatus.MINISTRY_SUBMITTED)
    client = as_user(app, "prov-a")
    assert client.get(f"/admin/opening_plans/view/?id={workshop.id}").status_code == 404
    assert client.get(f"/admin/completion_materials/{workshop.id}/").status_code == 404


def test_submit_pair_through_page(app, org_tree, approved):
    workshop = approved()
    html = submit_pair(as_user(app, "prov-a"), workshop).get_data(as_text=True)
    assert "已提交审核" in html
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.PENDING
    assert "开班通知.pdf" in html
    assert "实施方案.docx" in html


def test_submit_renamed_file_shows_chinese_message(app, org_tree, approved):
    workshop = approved()
    renamed = file_field(b"MZ\x90\x00 program", "实施方案.docx")
    html = submit_pair(as_user(app, "prov-a"), workshop, plan=renamed).get_data(as_text=True)
    assert "实施方案：" in html
    assert "不是 docx 文件" in html
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.NOT_REPORTED


def test_submit_from_other_subtree_not_found(app, org_tree, approved):
    workshop = approved("unit_a1")
    response = submit_pair(as_user(app, "prov-b"), workshop)
    assert response.status_code == 404
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.NOT_REPORTED


def test_review_by_province_refused(app, org_tree, approved):
    workshop = approved(plan_status=ReviewStatus.PENDING)
    client = as_user(app, "prov-a")
    response = post(client, "/admin/opening_plans/review/", {"id": workshop.id, "action": "approve_plan"}, follow_redirects=True)
    assert "您无权" in response.get_data(as_text=True)
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.PENDING


def test_rejection_reason_shown_in_list(app, org_tree, approved):
    workshop = approved()
    submit_pair(as_user(app, "prov-a"), workshop)
    ministry = as_user(app, "ministry")
    post(ministry, "/admin/opening_plans/review/", {"id": workshop.id, "action": "reject_plan", "reason": "通知未盖章"})
    html = as_user(app, "prov-a").get("/admin/opening_plans/").get_data(as_text=True)
    assert "驳回理由：通知未盖章" in html
    assert f"/admin/opening_plans/submit/?id={workshop.id}" in html


def test_bulk_confirmation_lists_rows(app, org_tree, approved):
    pending = approved(name="待审研修班", plan_status=ReviewStatus.PENDING)
    idle = approved(name="未报研修班")
    client = as_user(app, "ministry")
    response = post(client, "/admin/opening_plans/action/", {"action": "approve_plan", "rowid": [pending.id, idle.id]})
    html = response.get_data(as_text=True)
    assert "确认：审核通过开班通知和方案" in html
    assert "待审研修班" in html
    assert "未报研修班" in html
    assert "跳过" in html
    assert Workshop.get_by_id(pending.id).plan_status == ReviewStatus.PENDING


def test_bulk_approve_skips_by_name(app, org_tree, approved):
    pending = approved(name="待审研修班", plan_status=ReviewStatus.PENDING)
    idle = approved(name="未报研修班")
    client = as_user(app, "ministry")
    response = post(client, "/admin/opening_plans/bulk/approve_plan/", {"rowid": [pending.id, idle.id]}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已处理 1 条记录" in html
    assert "跳过 1 条记录：未报研修班" in html
    assert Workshop.get_by_id(pending.id).plan_status == ReviewStatus.APPROVED
    assert Workshop.get_by_id(idle.id).plan_status == ReviewStatus.NOT_REPORTED


def test_bulk_reject_needs_reason(app, org_tree, approved):
    pending = approved(plan_status=ReviewStatus.PENDING)
    client = as_user(app, "ministry")
    html = post(client, "/admin/opening_plans/bulk/reject_plan/", {"rowid": [pending.id], "reason": ""}).get_data(as_text=True)
    assert "请填写" in html
    assert Workshop.get_by_id(pending.id).plan_status == ReviewStatus.PENDING


def test_bulk_by_province_forbidden(app, org_tree, approved):
    pending = approved(plan_status=ReviewStatus.PENDING)
    client = as_user(app, "prov-a")
    response = post(client, "/admin/opening_plans/bulk/approve_plan/", {"rowid": [pending.id]})
    assert response.status_code == 403
    assert Workshop.get_by_id(pending.id).plan_status == ReviewStatus.PENDING


def test_plan_change_filed_through_page(app, org_tree, approved):
    workshop = approved(place="南京")
    client = as_user(app, "prov-a")
    data = {
        "workshop": workshop.id,
        "new_start_date": "2026-09-10",
        "new_end_date": "2026-09-16",
        "new_place": "苏州",
        "new_host_unit": "",
        "other_changes": "",
        "reason": "主讲专家日程调整",
        "application": file_field(pdf_bytes(), "变更申请.pdf"),
    }
    html = post(client, "/admin/plan_changes/file/", data, content_type="multipart/form-data", follow_redirects=True).get_data(
        as_text=True
    )
    assert "计划变化已提交审核" in html
    change = PlanChange.get()
    assert (change.new_place, str(change.new_start_date)) == ("苏州", "2026-09-10")


def test_plan_change_form_refuses_foreign_workshop(app, org_tree, approved):
    workshop = approved("unit_b1")
    data = {"workshop": workshop.id, "new_place": "苏州", "reason": "调整", "application": file_field(pdf_bytes(), "申请.pdf")}
    client = as_user(app, "prov-a")
    response = post(client, "/admin/plan_changes/file/", data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert PlanChange.select().count() == 0


def test_plan_change_list_filters(app, org_tree, approved):
    current = approved(name="今年研修班", year=2026)
    earlier = approved(name="去年研修班", year=2025)
    file_change(org_tree["user_prov_a"], current)
    rejected = file_change(org_tree["user_prov_a"], earlier)
    PlanChange.update(status=PlanChangeStatus.REJECTED).where(PlanChange.id == rejected.id).execute()
    client = as_user(app, "prov-a")
    by_year = client.get("/admin/plan_changes/?flt0_0=2025").get_data(as_text=True)
    assert "去年研修班" in by_year
    assert "今年研修班" not in by_year
    by_status = client.get("/admin/plan_changes/?flt0_1=pending").get_data(as_text=True)
    assert "今年研修班" in by_status
    assert "去年研修班" not in by_status


def test_plan_change_pages_of_other_subtree(app, org_tree, approved):
    change = file_change(org_tree["user_prov_a"], approved("unit_a1", name="江苏研修班"))
    client = as_user(app, "prov-b")
    assert "江苏研修班" not in client.get("/admin/plan_changes/").get_data(as_text=True)
    assert client.get(f"/admin/plan_changes/view/?id={change.id}").status_code == 404
    response = post(client, "/admin/plan_changes/review/", {"id": change.id, "action": "approve_plan_change"})
    assert response.status_code == 404
    assert PlanChange.get_by_id(change.id).status == PlanChangeStatus.PENDING


def test_plan_change_approved_through_page(app, org_tree, approved):
    workshop = approved(place="南京")
    change = file_change(org_tree["user_prov_a"], workshop)
    client = as_user(app, "ministry")
    post(client, "/admin/plan_changes/review/", {"id": change.id, "action": "approve_plan_change"})
    assert Workshop.get_by_id(workshop.id).place == "苏州"
    html = client.get(f"/admin/plan_changes/view/?id={change.id}").get_data(as_text=True)
    assert "上报计划变化" in html
    assert "计划变化已写入研修班信息" in html
    assert "南京 → 苏州" in html


def test_material_uploaded_through_page(app, org_tree, approved):
    workshop = approved()
    client = as_user(app, "prov-a")
    url = f"/admin/completion_materials/{workshop.id}/upload/{MaterialKind.SUMMARY_REPORT}/"
    data = {"file": file_field(docx_bytes(), "总结报告.docx"), "version": "0"}
    html = post(client, url, data, content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "已上传，等待审核" in html
    assert "总结报告.docx" in html
    assert CompletionMaterial.get().status == ReviewStatus.PENDING


def test_material_upload_from_other_subtree_not_found(app, org_tree, approved):
    workshop = approved("unit_a1")
    client = as_user(app, "prov-b")
    url = f"/admin/completion_materials/{workshop.id}/upload/{MaterialKind.SUMMARY_REPORT}/"
    response = post(client, url, {"file": file_field(docx_bytes(), "总结报告.docx")}, content_type="multipart/form-data")
    assert response.status_code == 404
    assert CompletionMaterial.select().count() == 0


def test_material_review_by_province_refused(app, org_tree, approved):
    workshop = approved()
    material = CompletionMaterial.create(workshop=workshop, kind=MaterialKind.SUMMARY_REPORT, status=ReviewStatus.PENDING)
    client = as_user(app, "prov-a")
    url = f"/admin/completion_materials/{workshop.id}/review/"
    html = post(client, url, {"id": material.id, "action": "approve_material"}, follow_redirects=True).get_data(as_text=True)
    assert "您无权" in html
    assert CompletionMaterial.get_by_id(material.id).status == ReviewStatus.PENDING


def test_material_review_of_other_workshop_not_found(app, org_tree, approved):
    own = approved("unit_a1")
    other = approved("unit_b1")
    material = CompletionMaterial.create(workshop=other, kind=MaterialKind.SUMMARY_REPORT, status=ReviewStatus.PENDING)
    client = as_user(app, "ministry")
    response = post(client, f"/admin/completion_materials/{own.id}/review/", {"id": material.id, "action": "approve_material"})
    assert response.status_code == 404
    assert CompletionMaterial.get_by_id(material.id).status == ReviewStatus.PENDING


def test_plan_list_links_reported_files(app, org_tree, approved):
    workshop = approved()
    submit_pair(as_user(app, "prov-a"), workshop)
    html = as_user(app, "unit-a1").get("/admin/opening_plans/").get_data(as_text=True)
    assert html.count(">已上报</a>") == 2
    assert 'title="开班通知.pdf"' in html
    assert 'href="/files/' in html


@pytest.mark.parametrize("endpoint", ["opening_plans", "plan_changes", "completion_materials"])
def test_view_declares_capability(app, endpoint):
    views = {view.endpoint: view for admin in app.extensions["admin"] for view in admin._views}
    assert views[endpoint].capability == permissions.VIEW_WORKSHOPS


def test_unit_sees_pages_without_buttons(app, org_tree, approved):
    workshop = approved("unit_a1")
    client = as_user(app, "unit-a1")
    listing = client.get("/admin/opening_plans/").get_data(as_text=True)
    assert workshop.name in listing
    assert "/admin/opening_plans/submit/" not in listing
    materials = client.get(f"/admin/completion_materials/{workshop.id}/").get_data(as_text=True)
    assert 'type="file"' not in materials
