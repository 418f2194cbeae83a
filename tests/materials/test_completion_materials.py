"""Completion materials: each one uploaded, replaced, downloaded and refused outside the subtree."""

import pytest

from models import Attachment, CompletionMaterial, DocumentKind, MaterialKind, ReviewStatus, WorkshopDocument
from services import completion_materials, documents, workflow
from services.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tests.conftest import login
from tests.materials.conftest import doc_bytes, docx_bytes, file_storage, pdf_bytes, xlsx_bytes

ALL_KINDS = MaterialKind.BASE + MaterialKind.SELF_FUNDED

# A valid file per material: the summary report must be a Word document.
SAMPLES = {
    MaterialKind.SUMMARY_REPORT: (docx_bytes, "总结报告.docx"),
    MaterialKind.EXPENSE_SETTLEMENT: (pdf_bytes, "经费结算表（签字盖章）.pdf"),
    MaterialKind.SATISFACTION_SURVEY: (xlsx_bytes, "满意度测评表.xlsx"),
    MaterialKind.EVALUATION_STATISTICS: (xlsx_bytes, "测评统计表.xlsx"),
    MaterialKind.OPENING_NOTICE: (pdf_bytes, "开班通知.pdf"),
    MaterialKind.SIGN_IN: (pdf_bytes, "签到表.pdf"),
}


def upload(user, workshop, kind, data=None, name=None, **options):
    make, default_name = SAMPLES[kind]
    stored = file_storage(data if data is not None else make(), name or default_name)
    return completion_materials.upload_material(user, workshop.id, kind, stored, **options)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_material_upload_replace_download(app, org_tree, approved, kind):
    workshop = approved(self_funded=True)
    province = org_tree["user_prov_a"]

    first = upload(province, workshop, kind)
    second = upload(province, workshop, kind, name="第二版-" + SAMPLES[kind][1])

    assert second.id == first.id
    assert second.status == ReviewStatus.PENDING
    history = documents.versions(workshop, MaterialKind.DOCUMENT_KINDS[kind])
    assert [d.version for d in history] == [2, 1]
    assert second.document_id == history[0].id
    summary = {state.kind: state for state in completion_materials.material_summary(workshop)}
    assert summary[kind].display == "第二版-" + SAMPLES[kind][1]
    for document in history:
        for username in ("prov-a", "unit-a1", "ministry"):
            client = app.test_client()
            login(client, username)
            response = client.get(f"/files/{document.attachment_id}")
            assert response.status_code == 200, username
            response.close()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_material_download_outside_subtree_refused(app, org_tree, approved, kind):
    workshop = approved(self_funded=True)
    material = upload(org_tree["user_prov_a"], workshop, kind)
    for username in ("prov-b", "unit-b1", "unit-a2"):
        client = app.test_client()
        login(client, username)
        assert client.get(f"/files/{material.document.attachment_id}").status_code == 404, username


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize(
    "user, error", [("user_prov_b", NotFound), ("user_unit_a2", NotFound), ("user_unit_a1", PermissionDenied)]
)
def test_material_upload_by_other_user_refused(org_tree, approved, kind, user, error):
    workshop = approved(self_funded=True)
    with pytest.raises(error):
        upload(org_tree[user], workshop, kind)
    assert CompletionMaterial.select().count() == 0
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 0


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_material_with_disguised_content_refused(app, org_tree, approved, kind):
    workshop = approved(self_funded=True)
    name = SAMPLES[kind][1]
    with pytest.raises(ValidationFailed) as error:
        upload(org_tree["user_prov_a"], workshop, kind, data=b"\x89PNG\r\n\x1a\n image bytes", name=name)
    assert error.value.message.startswith(str(MaterialKind.LABELS[kind]))
    assert "不是" in error.value.message
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 0
    assert CompletionMaterial.select().count() == 0


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_oversized_material_refused(org_tree, approved, small_uploads, kind):
    workshop = approved(self_funded=True)
    # Every material accepts .doc files.
    big = doc_bytes() + b"\x00" * small_uploads
    with pytest.raises(ValidationFailed) as error:
        upload(org_tree["user_prov_a"], workshop, kind, data=big, name="材料.doc")
    assert "大小上限" in error.value.message
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 0


def test_summary_report_must_be_word(org_tree, approved):
    workshop = approved()
    with pytest.raises(ValidationFailed) as error:
        upload(org_tree["user_prov_a"], workshop, MaterialKind.SUMMARY_REPORT, data=pdf_bytes(), name="总结报告.pdf")
    assert "doc、docx" in error.value.message


def test_fiscal_workshop_needs_base_materials_only(org_tree, approved):
    workshop = approved(self_funded=False)
    kinds = [state.kind for state in completion_materials.material_summary(workshop)]
    assert kinds == list(MaterialKind.BASE)
    with pytest.raises(NotFound):
        upload(org_tree["user_prov_a"], workshop, MaterialKind.EVALUATION_STATISTICS)


def test_self_funded_workshop_needs_extra_materials(org_tree, approved):
    workshop = approved(self_funded=True)
    for kind in MaterialKind.BASE:
        upload(org_tree["user_prov_a"], workshop, kind)
    missing = [state.kind for state in completion_materials.missing_materials(workshop)]
    assert missing == list(MaterialKind.SELF_FUNDED)


def test_fiscal_workshop_complete_with_base_materials(org_tree, approved):
    workshop = approved(self_funded=False)
    for kind in MaterialKind.BASE:
        upload(org_tree["user_prov_a"], workshop, kind)
    assert completion_materials.missing_materials(workshop) == []


def test_summary_shows_not_reported(org_tree, approved):
    workshop = approved(self_funded=True)
    upload(org_tree["user_prov_a"], workshop, MaterialKind.SUMMARY_REPORT)
    rows = [(state.label, state.display) for state in completion_materials.material_summary(workshop)]
    assert rows == [
        ("总结报告", "总结报告.docx"),
        ("经费结算表", "未上报"),
        ("满意度测评表", "未上报"),
        ("测评统计表", "未上报"),
        ("开班通知", "未上报"),
        ("签到表", "未上报"),
    ]


def test_sign_in_explanation_fills_sign_in(org_tree, approved):
    workshop = approved(self_funded=True)
    upload(
        org_tree["user_prov_a"],
        workshop,
        MaterialKind.SIGN_IN,
        data=docx_bytes("线上举办"),
        name="情况说明.docx",
        explanation=True,
    )
    state = completion_materials.material_summary(workshop)[-1]
    assert state.kind == MaterialKind.SIGN_IN
    assert state.is_explanation
    assert state.display == "情况说明.docx"
    assert WorkshopDocument.get().kind == DocumentKind.SIGN_IN_EXPLANATION


def test_rejected_material_uploaded_again(org_tree, approved):
    workshop = approved()
    material = upload(org_tree["user_prov_a"], workshop, MaterialKind.EXPENSE_SETTLEMENT)
    workflow.perform_row(org_tree["user_ministry"], CompletionMaterial, material.id, "reject_material", "缺少负责人签字")
    assert completion_materials.material_summary(workshop)[1].review_reason == "缺少负责人签字"

    again = upload(org_tree["user_prov_a"], workshop, MaterialKind.EXPENSE_SETTLEMENT, name="经费结算表（补签）.pdf")

    assert again.status == ReviewStatus.PENDING
    assert again.review_reason == ""


def test_approved_material_cannot_be_replaced(app, org_tree, approved):
    workshop = approved()
    material = upload(org_tree["user_prov_a"], workshop, MaterialKind.SATISFACTION_SURVEY)
    workflow.perform_row(org_tree["user_ministry"], CompletionMaterial, material.id, "approve_material")
    with pytest.raises(InvalidTransition):
        upload(org_tree["user_prov_a"], workshop, MaterialKind.SATISFACTION_SURVEY)
    assert WorkshopDocument.select().count() == 1
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 1


def test_stale_replacement_refused(org_tree, approved):
    workshop = approved()
    material = upload(org_tree["user_prov_a"], workshop, MaterialKind.SUMMARY_REPORT)
    upload(org_tree["user_prov_a"], workshop, MaterialKind.SUMMARY_REPORT)
    with pytest.raises(Exception) as error:
        upload(org_tree["user_prov_a"], workshop, MaterialKind.SUMMARY_REPORT, version=material.version)
    assert "刷新" in str(error.value)
    assert WorkshopDocument.select().count() == 2
