"""Submitting the opening notice and plan: both files, versions kept, content and size checks."""

from pathlib import Path

import pytest

from models import Attachment, AuditRecord, DocumentKind, ReviewStatus, Workshop, WorkshopDocument
from services import documents, opening_plans, workflow
from services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.materials.conftest import doc_bytes, docx_bytes, file_storage, pdf_bytes, xlsx_bytes


def submit(user, workshop, notice=None, plan=None):
    notice = notice or file_storage(pdf_bytes("notice"), "开班通知.pdf")
    plan = plan or file_storage(docx_bytes("方案"), "实施方案.docx")
    return opening_plans.submit_opening_documents(user, workshop.id, notice, plan)


def stored_files(app):
    """Files in the upload folder other than the declaration attachments the fixtures create."""
    from models import Attachment

    root = Path(app.config["UPLOAD_FOLDER"])
    declared = {a.stored_name for a in Attachment.select(Attachment.stored_name).where(Attachment.kind == "declaration")}
    return [p for p in root.rglob("*") if p.is_file() and p.name not in declared] if root.exists() else []


def test_submit_pair_sets_pending(org_tree, approved):
    workshop = approved()

    updated = submit(org_tree["user_prov_a"], workshop)

    assert updated.plan_status == ReviewStatus.PENDING
    kinds = {d.kind: d for d in WorkshopDocument.select().where(WorkshopDocument.workshop == workshop.id)}
    assert set(kinds) == {DocumentKind.OPENING_NOTICE, DocumentKind.IMPLEMENTATION_PLAN}
    assert kinds[DocumentKind.OPENING_NOTICE].attachment.original_name == "开班通知.pdf"
    assert kinds[DocumentKind.OPENING_NOTICE].attachment.organisation_id == workshop.organisation_id
    record = AuditRecord.get(AuditRecord.action == "submit_plan")
    assert "开班通知.pdf" in record.detail
    assert record.workshop_id == workshop.id


@pytest.mark.parametrize(
    "data, name",
    [(doc_bytes(), "通知.doc"), (doc_bytes(), "通知.xls"), (xlsx_bytes(), "通知.xlsx"), (docx_bytes(), "通知.docx")],
)
def test_submit_accepts_office_types(org_tree, approved, data, name):
    workshop = approved()
    submit(org_tree["user_prov_a"], workshop, notice=file_storage(data, name))
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.PENDING


def test_rejected_pair_uploaded_again_keeps_versions(org_tree, approved):
    workshop = approved()
    submit(org_tree["user_prov_a"], workshop)
    workflow.perform(org_tree["user_ministry"], workshop.id, "reject_plan", "方案缺少课程表")
    assert opening_plans.rejection_reasons([Workshop.get_by_id(workshop.id)]) == {workshop.id: "方案缺少课程表"}

    submit(org_tree["user_prov_a"], workshop, notice=file_storage(pdf_bytes("v2"), "开班通知（修改）.pdf"))

    history = documents.versions(workshop, (DocumentKind.OPENING_NOTICE,))
    assert [(d.version, d.attachment.original_name) for d in history] == [(2, "开班通知（修改）.pdf"), (1, "开班通知.pdf")]
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.PENDING
    assert opening_plans.rejection_reasons([Workshop.get_by_id(workshop.id)]) == {}


def test_missing_plan_file_refused(app, org_tree, approved):
    workshop = approved()
    with pytest.raises(ValidationFailed) as error:
        opening_plans.submit_opening_documents(
            org_tree["user_prov_a"], workshop.id, file_storage(pdf_bytes(), "开班通知.pdf"), None
        )
    assert error.value.message.startswith("实施方案")
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.NOT_REPORTED
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 0
    assert stored_files(app) == []


@pytest.mark.parametrize(
    "data, name",
    [
        (b"MZ\x90\x00 an executable", "实施方案.docx"),
        (b"<html><body>page</body></html>", "实施方案.pdf"),
        (pdf_bytes(), "实施方案.docx"),
        (docx_bytes(), "实施方案.xlsx"),
    ],
)
def test_plan_with_wrong_content_refused(app, org_tree, approved, data, name):
    workshop = approved()
    with pytest.raises(ValidationFailed) as error:
        submit(org_tree["user_prov_a"], workshop, plan=file_storage(data, name))
    assert "实施方案" in error.value.message
    assert "不是" in error.value.message
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.NOT_REPORTED
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 0
    assert stored_files(app) == []


def test_plan_with_wrong_extension_refused(org_tree, approved):
    workshop = approved()
    with pytest.raises(ValidationFailed) as error:
        submit(org_tree["user_prov_a"], workshop, plan=file_storage(pdf_bytes(), "实施方案.exe"))
    assert "只接受以下文件类型" in error.value.message


def test_oversized_notice_refused(app, org_tree, approved, small_uploads):
    workshop = approved()
    big = pdf_bytes("x" * small_uploads)
    with pytest.raises(ValidationFailed) as error:
        submit(org_tree["user_prov_a"], workshop, notice=file_storage(big, "开班通知.pdf"))
    assert "开班通知" in error.value.message
    assert "大小上限" in error.value.message
    assert stored_files(app) == []


@pytest.mark.parametrize(
    "user, error", [("user_prov_b", NotFound), ("user_unit_a1", PermissionDenied), ("user_ministry", PermissionDenied)]
)
def test_submit_by_other_user_refused(app, org_tree, approved, user, error):
    workshop = approved()
    with pytest.raises(error):
        submit(org_tree[user], workshop)
    assert Workshop.get_by_id(workshop.id).plan_status == ReviewStatus.NOT_REPORTED
    assert stored_files(app) == []


def test_submit_while_pending_refused(app, org_tree, approved):
    workshop = approved(plan_status=ReviewStatus.PENDING)
    with pytest.raises(Exception) as error:
        submit(org_tree["user_prov_a"], workshop)
    assert "待审核" in str(error.value)
    assert WorkshopDocument.select().count() == 0
    assert stored_files(app) == []
