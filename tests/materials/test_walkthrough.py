"""The demo walk-through after approval, driven through the pages with the demo accounts."""

import io

from models import AuditRecord, PlanChange, Workshop
from services.demo import DEMO_PASSWORD, load_demo
from tests.conftest import login, post
from tests.materials.conftest import docx_bytes, pdf_bytes, xlsx_bytes

WORKSHOP = "新一代人工智能与智能制造高级研修班"


def as_demo(app, username):
    client = app.test_client()
    login(client, username, DEMO_PASSWORD)
    return client


def upload_pair(client, workshop, suffix=""):
    data = {
        "id": workshop.id,
        "opening_notice": (io.BytesIO(pdf_bytes(suffix)), f"开班通知{suffix}.pdf"),
        "implementation_plan": (io.BytesIO(docx_bytes(suffix)), f"实施方案{suffix}.docx"),
    }
    return post(client, "/admin/opening_plans/submit/", data, content_type="multipart/form-data", follow_redirects=True)


def review_plan(client, workshop, action, reason=""):
    return post(client, "/admin/opening_plans/review/", {"id": workshop.id, "action": action, "reason": reason})


def test_demo_walkthrough(app):
    load_demo()
    workshop = Workshop.get(Workshop.name == WORKSHOP)
    province, ministry = as_demo(app, "prov-a"), as_demo(app, "ministry")

    assert WORKSHOP in province.get("/admin/opening_plans/").get_data(as_text=True)
    upload_pair(province, workshop)
    review_plan(ministry, workshop, "reject_plan", "实施方案缺少每日课程安排")
    assert "实施方案缺少每日课程安排" in province.get("/admin/opening_plans/").get_data(as_text=True)
    upload_pair(province, workshop, "（修改稿）")
    review_plan(ministry, workshop, "approve_plan")
    assert Workshop.get_by_id(workshop.id).plan_status == "approved"

    change = {
        "workshop": workshop.id,
        "new_place": "苏州市",
        "reason": "原场地改造，改在苏州举办",
        "application": (io.BytesIO(pdf_bytes("stamped")), "计划变更申请.pdf"),
    }
    post(province, "/admin/plan_changes/file/", change, content_type="multipart/form-data")
    request_id = PlanChange.get(PlanChange.workshop == workshop.id).id
    post(ministry, "/admin/plan_changes/review/", {"id": request_id, "action": "approve_plan_change"})
    assert Workshop.get_by_id(workshop.id).place == "苏州市"

    files = {
        "summary_report": (docx_bytes(), "总结报告.docx"),
        "expense_settlement": (pdf_bytes(), "经费结算表.pdf"),
        "satisfaction_survey": (xlsx_bytes(), "满意度测评表.xlsx"),
    }
    for kind, (data, name) in files.items():
        url = f"/admin/completion_materials/{workshop.id}/upload/{kind}/"
        post(province, url, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")

    actions = [r.action for r in AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).order_by(AuditRecord.id)]
    # The demo data approved the declaration and the trainee list through the workflow first.
    assert actions[:5] == ["create", "submit", "initial_approve", "forward_to_ministry", "approve"]
    after_approval = [action for action in actions[5:] if not action.endswith("trainee_list") and action != "issue_certificates"]
    assert after_approval == [
        "submit_plan",
        "reject_plan",
        "submit_plan",
        "approve_plan",
        "submit_plan_change",
        "approve_plan_change",
        "apply_plan_change",
        "submit_material",
        "submit_material",
        "submit_material",
    ]
    page = province.get(f"/admin/completion_materials/{workshop.id}/").get_data(as_text=True)
    for label in (
        "上报开班通知和方案",
        "驳回开班通知和方案",
        "审核通过计划变化",
        "计划变化已写入研修班信息",
        "上报结业材料：经费结算表",
    ):
        assert label in page, label
    for name in ("总结报告.docx", "经费结算表.pdf", "满意度测评表.xlsx"):
        assert name in page, name
