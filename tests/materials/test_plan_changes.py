"""Plan change requests: filing, approval that updates the workshop, rejection, and checks."""

import datetime

import pytest

from models import Attachment, AuditRecord, PlanChange, PlanChangeStatus, Workshop
from services import plan_changes, workflow
from services.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tests.materials.conftest import file_storage, pdf_bytes


def values(**changes):
    base = dict(new_start_date=None, new_end_date=None, new_place="", new_host_unit="", other_changes="", reason="专家日程调整")
    base.update(changes)
    return base


def application():
    return file_storage(pdf_bytes("stamped"), "计划变更申请（盖章）.pdf")


def test_file_change_awaits_review(org_tree, approved):
    workshop = approved(place="南京")

    change = plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="苏州"), application())

    assert change.status == PlanChangeStatus.PENDING
    assert (change.old_place, change.new_place) == ("南京", "苏州")
    assert change.application.original_name == "计划变更申请（盖章）.pdf"
    assert change.application.organisation_id == workshop.organisation_id
    assert Workshop.get_by_id(workshop.id).place == "南京"
    record = AuditRecord.get(AuditRecord.action == "submit_plan_change")
    assert record.workshop_id == workshop.id
    assert "苏州" in record.detail


def test_approved_change_updates_workshop(org_tree, approved):
    workshop = approved(place="南京", host_unit="南京工业大学")
    change = plan_changes.file_plan_change(
        org_tree["user_prov_a"],
        workshop.id,
        values(new_start_date=datetime.date(2026, 9, 15), new_end_date=datetime.date(2026, 9, 21), new_place="苏州"),
        application(),
    )

    workflow.perform_row(org_tree["user_ministry"], PlanChange, change.id, "approve_plan_change")

    after = Workshop.get_by_id(workshop.id)
    assert (after.start_date, after.end_date) == (datetime.date(2026, 9, 15), datetime.date(2026, 9, 21))
    assert after.place == "苏州"
    assert after.host_unit == "南京工业大学"
    assert after.version == workshop.version + 1
    actions = [r.action for r in AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).order_by(AuditRecord.id)]
    assert actions == ["submit_plan_change", "approve_plan_change", "apply_plan_change"]
    applied = AuditRecord.get(AuditRecord.action == "apply_plan_change")
    assert "南京 → 苏州" in applied.detail
    assert "2026-09-01 → 2026-09-15" in applied.detail


def test_rejected_change_leaves_workshop(org_tree, approved):
    workshop = approved(place="南京")
    change = plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="苏州"), application())

    rejected = workflow.perform_row(org_tree["user_ministry"], PlanChange, change.id, "reject_plan_change", "理由不充分")

    assert rejected.review_reason == "理由不充分"
    after = Workshop.get_by_id(workshop.id)
    assert after.place == "南京"
    assert after.version == workshop.version


def test_second_pending_change_refused(app, org_tree, approved):
    workshop = approved()
    plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="苏州"), application())
    with pytest.raises(InvalidTransition) as error:
        plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="无锡"), application())
    assert "待审核" in error.value.message
    assert PlanChange.select().count() == 1
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 1


def test_change_after_rejection_allowed(org_tree, approved):
    workshop = approved()
    first = plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="苏州"), application())
    workflow.perform_row(org_tree["user_ministry"], PlanChange, first.id, "reject_plan_change", "请补充说明")
    second = plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="无锡"), application())
    assert second.status == PlanChangeStatus.PENDING


def test_change_without_content_refused(org_tree, approved):
    workshop = approved()
    with pytest.raises(ValidationFailed) as error:
        plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(), application())
    assert "至少填写一项变化" in error.value.message
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 0


def test_change_without_reason_refused(org_tree, approved):
    workshop = approved()
    with pytest.raises(ValidationFailed) as error:
        plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="苏州", reason=" "), application())
    assert error.value.message.startswith("变化原因")


def test_change_ending_before_start_refused(org_tree, approved):
    workshop = approved(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 9, 7))
    with pytest.raises(ValidationFailed) as error:
        plan_changes.file_plan_change(
            org_tree["user_prov_a"], workshop.id, values(new_end_date=datetime.date(2026, 8, 30)), application()
        )
    assert "2026-08-30" in error.value.message
    assert PlanChange.select().count() == 0


def test_change_without_application_refused(org_tree, approved):
    workshop = approved()
    with pytest.raises(ValidationFailed) as error:
        plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="苏州"), None)
    assert error.value.message.startswith("盖章申请")


def test_application_checked_by_content(org_tree, approved):
    workshop = approved()
    disguised = file_storage(b"GIF89a picture bytes", "申请.pdf")
    with pytest.raises(ValidationFailed) as error:
        plan_changes.file_plan_change(org_tree["user_prov_a"], workshop.id, values(new_place="苏州"), disguised)
    assert "不是 pdf 文件" in error.value.message
    assert PlanChange.select().count() == 0


@pytest.mark.parametrize(
    "user, error", [("user_prov_b", NotFound), ("user_unit_a1", PermissionDenied), ("user_ministry", PermissionDenied)]
)
def test_change_by_other_user_refused(org_tree, approved, user, error):
    workshop = approved()
    with pytest.raises(error):
        plan_changes.file_plan_change(org_tree[user], workshop.id, values(new_place="苏州"), application())
    assert PlanChange.select().count() == 0
    assert Attachment.select().where(Attachment.kind != "declaration").count() == 0


def test_approval_refused_when_dates_conflict(org_tree, approved):
    workshop = approved(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 9, 7))
    change = plan_changes.file_plan_change(
        org_tree["user_prov_a"], workshop.id, values(new_end_date=datetime.date(2026, 9, 5)), application()
    )
    # Meanwhile the start moved past the requested end.
    Workshop.update(start_date=datetime.date(2026, 9, 6)).where(Workshop.id == workshop.id).execute()
    with pytest.raises(ValidationFailed):
        workflow.perform_row(org_tree["user_ministry"], PlanChange, change.id, "approve_plan_change")
    assert PlanChange.get_by_id(change.id).status == PlanChangeStatus.PENDING
    assert Workshop.get_by_id(workshop.id).end_date == datetime.date(2026, 9, 7)
