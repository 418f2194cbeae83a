"""Transitions after approval: every allowed and refused one, with the row unchanged on refusal."""

import threading

import pytest

from models import (
    AuditRecord,
    CompletionMaterial,
    DeclarationStatus,
    MaterialKind,
    PlanChange,
    PlanChangeStatus,
    ReviewStatus,
    Workshop,
    db,
)
from services import workflow
from services.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from services.storage import save_upload
from tests.materials.conftest import file_storage, pdf_bytes

R = ReviewStatus
P = PlanChangeStatus

# (action, acting user key, declaring organisation key, start plan status, end plan status)
PLAN_ALLOWED = [
    ("submit_plan", "user_prov_a", "unit_a1", R.NOT_REPORTED, R.PENDING),
    ("submit_plan", "user_prov_a", "unit_a1", R.REJECTED, R.PENDING),
    ("submit_plan", "user_prov_a", "prov_a", R.NOT_REPORTED, R.PENDING),
    ("approve_plan", "user_ministry", "unit_a1", R.PENDING, R.APPROVED),
    ("reject_plan", "user_ministry", "unit_b1", R.PENDING, R.REJECTED),
]

# (action, acting user key, declaring organisation key, start plan status, expected error)
PLAN_REFUSED = [
    ("submit_plan", "user_unit_a1", "unit_a1", R.NOT_REPORTED, PermissionDenied),
    ("submit_plan", "user_ministry", "unit_a1", R.NOT_REPORTED, PermissionDenied),
    ("approve_plan", "user_prov_a", "unit_a1", R.PENDING, PermissionDenied),
    ("approve_plan", "user_unit_a1", "unit_a1", R.PENDING, PermissionDenied),
    ("reject_plan", "user_prov_a", "unit_a1", R.PENDING, PermissionDenied),
    ("submit_plan", "user_prov_b", "unit_a1", R.NOT_REPORTED, NotFound),
    ("submit_plan", "user_unit_a2", "unit_a1", R.NOT_REPORTED, NotFound),
    ("submit_plan", "user_prov_a", "unit_a1", R.PENDING, InvalidTransition),
    ("submit_plan", "user_prov_a", "unit_a1", R.APPROVED, InvalidTransition),
    ("approve_plan", "user_ministry", "unit_a1", R.NOT_REPORTED, InvalidTransition),
    ("approve_plan", "user_ministry", "unit_a1", R.APPROVED, InvalidTransition),
    ("reject_plan", "user_ministry", "unit_a1", R.REJECTED, InvalidTransition),
]


@pytest.mark.parametrize("action, actor, owner, start, end", PLAN_ALLOWED)
def test_plan_transition_allowed(org_tree, approved, action, actor, owner, start, end):
    workshop = approved(owner, plan_status=start)
    reason = "缺少盖章" if workflow.TRANSITIONS[action].needs_reason else ""

    updated = workflow.perform(org_tree[actor], workshop.id, action, reason)

    assert updated.plan_status == end
    assert updated.status == DeclarationStatus.APPROVED
    record = AuditRecord.get(AuditRecord.workshop_id == workshop.id)
    assert (record.action, record.old_status, record.new_status, record.reason) == (action, start, end, reason)


@pytest.mark.parametrize("action, actor, owner, start, error", PLAN_REFUSED)
def test_plan_transition_refused(org_tree, approved, action, actor, owner, start, error):
    workshop = approved(owner, plan_status=start)
    with pytest.raises(error):
        workflow.perform(org_tree[actor], workshop.id, action, "理由")
    after = Workshop.get_by_id(workshop.id)
    assert after.plan_status == start
    assert after.version == workshop.version
    assert not AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).exists()


@pytest.mark.parametrize("status", [DeclarationStatus.DRAFT, DeclarationStatus.MINISTRY_SUBMITTED, DeclarationStatus.REJECTED])
def test_plan_submit_needs_approved_workshop(org_tree, make_workshop, status):
    workshop = make_workshop(org_tree["unit_a1"], status=status)
    with pytest.raises(PermissionDenied):
        workflow.perform(org_tree["user_prov_a"], workshop.id, "submit_plan")
    assert Workshop.get_by_id(workshop.id).plan_status == R.NOT_REPORTED


def test_plan_reject_needs_reason(org_tree, approved):
    workshop = approved(plan_status=R.PENDING)
    with pytest.raises(ValidationFailed) as error:
        workflow.perform(org_tree["user_ministry"], workshop.id, "reject_plan", "  ")
    assert "理由" in error.value.message
    assert Workshop.get_by_id(workshop.id).plan_status == R.PENDING


def test_declaration_actions_unchanged_for_pending_declaration(org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=DeclarationStatus.INITIAL_SUBMITTED)
    assert workflow.available_actions(org_tree["user_prov_a"], workshop) == ["initial_approve", "initial_reject"]


# Row transitions: plan changes and completion materials.


@pytest.fixture
def make_change(org_tree, approved):
    """Factory: a plan change of a workshop of ``owner`` in ``status``, stored directly."""

    def factory(owner="unit_a1", status=P.PENDING):
        workshop = approved(owner)
        attachment = save_upload(
            file_storage(pdf_bytes(), "变更申请.pdf"),
            allowed={"pdf": {"pdf"}},
            max_bytes=4096,
            kind="plan_change",
            organisation=workshop.organisation,
            user=org_tree["user_prov_a"],
        )
        return PlanChange.create(workshop=workshop, new_place="苏州", reason="场地调整", application=attachment, status=status)

    return factory


@pytest.fixture
def make_material(approved):
    def factory(owner="unit_a1", status=R.PENDING, kind=MaterialKind.SUMMARY_REPORT):
        return CompletionMaterial.create(workshop=approved(owner), kind=kind, status=status)

    return factory


# (model fixture, action, acting user key, owner key, start, end)
ROW_ALLOWED = [
    ("make_change", "submit_plan_change", "user_prov_a", "unit_a1", P.NEW, P.PENDING),
    ("make_change", "approve_plan_change", "user_ministry", "unit_a1", P.PENDING, P.APPROVED),
    ("make_change", "reject_plan_change", "user_ministry", "unit_b1", P.PENDING, P.REJECTED),
    ("make_material", "submit_material", "user_prov_a", "unit_a1", R.NOT_REPORTED, R.PENDING),
    ("make_material", "submit_material", "user_prov_a", "unit_a2", R.PENDING, R.PENDING),
    ("make_material", "submit_material", "user_prov_a", "prov_a", R.REJECTED, R.PENDING),
    ("make_material", "approve_material", "user_ministry", "unit_a1", R.PENDING, R.APPROVED),
    ("make_material", "reject_material", "user_ministry", "unit_b2", R.PENDING, R.REJECTED),
]

ROW_REFUSED = [
    ("make_change", "submit_plan_change", "user_unit_a1", "unit_a1", P.NEW, PermissionDenied),
    ("make_change", "submit_plan_change", "user_ministry", "unit_a1", P.NEW, PermissionDenied),
    ("make_change", "approve_plan_change", "user_prov_a", "unit_a1", P.PENDING, PermissionDenied),
    ("make_change", "reject_plan_change", "user_unit_a1", "unit_a1", P.PENDING, PermissionDenied),
    ("make_change", "submit_plan_change", "user_prov_b", "unit_a1", P.NEW, NotFound),
    ("make_change", "approve_plan_change", "user_ministry", "unit_a1", P.APPROVED, InvalidTransition),
    ("make_change", "approve_plan_change", "user_ministry", "unit_a1", P.REJECTED, InvalidTransition),
    ("make_change", "reject_plan_change", "user_ministry", "unit_a1", P.APPROVED, InvalidTransition),
    ("make_change", "submit_plan_change", "user_prov_a", "unit_a1", P.PENDING, InvalidTransition),
    ("make_material", "submit_material", "user_unit_a1", "unit_a1", R.NOT_REPORTED, PermissionDenied),
    ("make_material", "submit_material", "user_ministry", "unit_a1", R.NOT_REPORTED, PermissionDenied),
    ("make_material", "approve_material", "user_prov_a", "unit_a1", R.PENDING, PermissionDenied),
    ("make_material", "submit_material", "user_prov_b", "unit_a1", R.NOT_REPORTED, NotFound),
    ("make_material", "submit_material", "user_unit_a2", "unit_a1", R.NOT_REPORTED, NotFound),
    ("make_material", "submit_material", "user_prov_a", "unit_a1", R.APPROVED, InvalidTransition),
    ("make_material", "approve_material", "user_ministry", "unit_a1", R.NOT_REPORTED, InvalidTransition),
    ("make_material", "reject_material", "user_ministry", "unit_a1", R.REJECTED, InvalidTransition),
]


@pytest.mark.parametrize("factory, action, actor, owner, start, end", ROW_ALLOWED)
def test_row_transition_allowed(request, org_tree, factory, action, actor, owner, start, end):
    row = request.getfixturevalue(factory)(owner, start)
    model = type(row)
    reason = "材料不全" if workflow.ROW_TRANSITIONS[action].needs_reason else ""

    updated = workflow.perform_row(org_tree[actor], model, row.id, action, reason)

    assert updated.status == end
    assert updated.version == row.version + 1
    assert updated.review_reason == reason
    record = AuditRecord.get(AuditRecord.action == action)
    assert record.workshop_id == row.workshop_id
    assert (record.object_type, record.object_id) == (model.audit_identity(row)[0], row.id)
    assert (record.old_status, record.new_status) == (start, end)


@pytest.mark.parametrize("factory, action, actor, owner, start, error", ROW_REFUSED)
def test_row_transition_refused(request, org_tree, factory, action, actor, owner, start, error):
    row = request.getfixturevalue(factory)(owner, start)
    model = type(row)
    workshop_before = Workshop.get_by_id(row.workshop_id)

    with pytest.raises(error):
        workflow.perform_row(org_tree[actor], model, row.id, action, "理由")

    after = model.get_by_id(row.id)
    assert (after.status, after.version, after.review_reason) == (start, row.version, "")
    assert Workshop.get_by_id(row.workshop_id).version == workshop_before.version
    assert not AuditRecord.select().where(AuditRecord.workshop_id == row.workshop_id).exists()


def test_row_review_of_stale_version_refused(org_tree, make_material):
    material = make_material()
    CompletionMaterial.update(version=CompletionMaterial.version + 1).where(CompletionMaterial.id == material.id).execute()
    with pytest.raises(Conflict):
        workflow.perform_row(
            org_tree["user_ministry"], CompletionMaterial, material.id, "approve_material", version=material.version
        )
    assert CompletionMaterial.get_by_id(material.id).status == R.PENDING


def test_bulk_row_review_names_skipped_rows(org_tree, make_change):
    pending = make_change()
    done_before = make_change(status=P.APPROVED)
    foreign = make_change(owner="unit_b1")

    done, skipped = workflow.perform_row_many(
        org_tree["user_ministry"], PlanChange, [pending.id, done_before.id, foreign.id], "approve_plan_change"
    )

    assert [row.id for row in done] == [pending.id, foreign.id]
    assert len(skipped) == 1
    assert skipped[0][0] == str(done_before)
    assert "审核通过" in skipped[0][1]


def test_two_reviewers_approve_change_at_once(app, org_tree, make_change, make_user):
    reviewers = [org_tree["user_ministry"], make_user(org_tree["ministry"], username="ministry-2")]
    change = make_change()
    barrier = threading.Barrier(len(reviewers))
    outcomes = []

    def attempt(user):
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                barrier.wait()
                workflow.perform_row(user, PlanChange, change.id, "approve_plan_change")
                outcomes.append("ok")
            except InvalidTransition:
                outcomes.append("refused")
            finally:
                db.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "refused"]
    assert AuditRecord.select().where(AuditRecord.action == "apply_plan_change").count() == 1
    assert Workshop.get_by_id(change.workshop_id).version == change.workshop.version + 1
