"""Declaration status transitions: every allowed one, every refused one, and races."""

import threading

import pytest

from models import AuditRecord, DeclarationStatus, Workshop, db
from services import workflow
from services.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed

S = DeclarationStatus

# (action, acting user key, declaring organisation key, start status, end status)
ALLOWED = [
    ("submit", "user_unit_a1", "unit_a1", S.DRAFT, S.INITIAL_SUBMITTED),
    ("submit", "user_unit_a1", "unit_a1", S.INITIAL_REJECTED, S.INITIAL_SUBMITTED),
    ("submit", "user_unit_a1", "unit_a1", S.REJECTED, S.INITIAL_SUBMITTED),
    ("initial_approve", "user_prov_a", "unit_a1", S.INITIAL_SUBMITTED, S.INITIAL_APPROVED),
    ("initial_reject", "user_prov_a", "unit_a1", S.INITIAL_SUBMITTED, S.INITIAL_REJECTED),
    ("forward_to_ministry", "user_prov_a", "unit_a1", S.INITIAL_APPROVED, S.MINISTRY_SUBMITTED),
    ("submit_own_to_ministry", "user_prov_a", "prov_a", S.DRAFT, S.MINISTRY_SUBMITTED),
    ("submit_own_to_ministry", "user_prov_a", "prov_a", S.REJECTED, S.MINISTRY_SUBMITTED),
    ("approve", "user_ministry", "unit_a1", S.MINISTRY_SUBMITTED, S.APPROVED),
    ("approve", "user_ministry", "prov_b", S.MINISTRY_SUBMITTED, S.APPROVED),
    ("reject", "user_ministry", "unit_a1", S.MINISTRY_SUBMITTED, S.REJECTED),
    ("self_host", "user_unit_a1", "unit_a1", S.REJECTED, S.SELF_HOSTED),
    ("self_host", "user_prov_a", "prov_a", S.REJECTED, S.SELF_HOSTED),
]

# (action, acting user key, declaring organisation key, start status, expected error)
REFUSED = [
    # wrong role
    ("submit", "user_prov_a", "unit_a1", S.DRAFT, PermissionDenied),
    ("submit", "user_ministry", "unit_a1", S.DRAFT, PermissionDenied),
    ("initial_approve", "user_unit_a1", "unit_a1", S.INITIAL_SUBMITTED, PermissionDenied),
    ("initial_approve", "user_ministry", "unit_a1", S.INITIAL_SUBMITTED, PermissionDenied),
    ("approve", "user_prov_a", "unit_a1", S.MINISTRY_SUBMITTED, PermissionDenied),
    ("approve", "user_unit_a1", "unit_a1", S.MINISTRY_SUBMITTED, PermissionDenied),
    ("reject", "user_prov_a", "prov_a", S.MINISTRY_SUBMITTED, PermissionDenied),
    ("submit_own_to_ministry", "user_unit_a1", "unit_a1", S.DRAFT, PermissionDenied),
    ("forward_to_ministry", "user_unit_a1", "unit_a1", S.INITIAL_APPROVED, PermissionDenied),
    ("self_host", "user_prov_a", "unit_a1", S.REJECTED, PermissionDenied),
    ("self_host", "user_ministry", "unit_a1", S.REJECTED, PermissionDenied),
    # wrong subtree
    ("submit", "user_unit_a2", "unit_a1", S.DRAFT, NotFound),
    ("initial_approve", "user_prov_b", "unit_a1", S.INITIAL_SUBMITTED, NotFound),
    ("initial_reject", "user_prov_b", "unit_a1", S.INITIAL_SUBMITTED, NotFound),
    ("forward_to_ministry", "user_prov_b", "unit_a1", S.INITIAL_APPROVED, NotFound),
    ("self_host", "user_unit_b1", "unit_a1", S.REJECTED, NotFound),
    # wrong status
    ("submit", "user_unit_a1", "unit_a1", S.INITIAL_SUBMITTED, InvalidTransition),
    ("submit", "user_unit_a1", "unit_a1", S.APPROVED, InvalidTransition),
    ("initial_approve", "user_prov_a", "unit_a1", S.DRAFT, InvalidTransition),
    ("initial_approve", "user_prov_a", "unit_a1", S.INITIAL_APPROVED, InvalidTransition),
    ("forward_to_ministry", "user_prov_a", "unit_a1", S.INITIAL_SUBMITTED, InvalidTransition),
    ("submit_own_to_ministry", "user_prov_a", "prov_a", S.MINISTRY_SUBMITTED, InvalidTransition),
    ("approve", "user_ministry", "unit_a1", S.INITIAL_SUBMITTED, InvalidTransition),
    ("approve", "user_ministry", "unit_a1", S.APPROVED, InvalidTransition),
    ("reject", "user_ministry", "unit_a1", S.REJECTED, InvalidTransition),
    ("self_host", "user_unit_a1", "unit_a1", S.DRAFT, InvalidTransition),
    ("self_host", "user_unit_a1", "unit_a1", S.INITIAL_REJECTED, InvalidTransition),
]


@pytest.mark.parametrize("action, actor, owner, start, end", ALLOWED)
def test_allowed_transition(org_tree, make_workshop, action, actor, owner, start, end):
    workshop = make_workshop(org_tree[owner], status=start)
    reason = "材料不全" if workflow.TRANSITIONS[action].needs_reason else ""

    updated = workflow.perform(org_tree[actor], workshop.id, action, reason)

    assert updated.status == end
    assert updated.version == workshop.version + 1
    record = AuditRecord.get(AuditRecord.workshop_id == workshop.id)
    assert (record.action, record.old_status, record.new_status) == (action, start, end)
    assert record.actor_id == org_tree[actor].id
    assert record.reason == reason


@pytest.mark.parametrize("action, actor, owner, start, error", REFUSED)
def test_refused_transition(org_tree, make_workshop, action, actor, owner, start, error):
    workshop = make_workshop(org_tree[owner], status=start)
    with pytest.raises(error):
        workflow.perform(org_tree[actor], workshop.id, action, "理由")
    after = Workshop.get_by_id(workshop.id)
    assert after.status == start
    assert after.version == workshop.version
    assert AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).count() == 0


@pytest.mark.parametrize("action", ["initial_reject", "reject"])
def test_rejection_requires_reason(org_tree, make_workshop, action):
    actor = "user_prov_a" if action == "initial_reject" else "user_ministry"
    start = S.INITIAL_SUBMITTED if action == "initial_reject" else S.MINISTRY_SUBMITTED
    workshop = make_workshop(org_tree["unit_a1"], status=start)
    with pytest.raises(ValidationFailed) as error:
        workflow.perform(org_tree[actor], workshop.id, action, "   ")
    assert "理由" in error.value.message
    assert Workshop.get_by_id(workshop.id).status == start


def test_full_declaration_path(org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"])
    workflow.perform(org_tree["user_unit_a1"], workshop.id, "submit")
    workflow.perform(org_tree["user_prov_a"], workshop.id, "initial_approve")
    workflow.perform(org_tree["user_prov_a"], workshop.id, "forward_to_ministry")
    final = workflow.perform(org_tree["user_ministry"], workshop.id, "approve")
    assert final.status == S.APPROVED
    actions = [r.action for r in AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).order_by(AuditRecord.id)]
    assert actions == ["submit", "initial_approve", "forward_to_ministry", "approve"]


def test_rejection_reason_kept_on_row(org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=S.MINISTRY_SUBMITTED)
    workflow.perform(org_tree["user_ministry"], workshop.id, "reject", "经费预算不合理")
    assert Workshop.get_by_id(workshop.id).last_reason == "经费预算不合理"


def test_available_actions_per_role(org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED)
    assert workflow.available_actions(org_tree["user_prov_a"], workshop) == ["initial_approve", "initial_reject"]
    assert workflow.available_actions(org_tree["user_unit_a1"], workshop) == []
    assert workflow.available_actions(org_tree["user_ministry"], workshop) == []


def test_edit_rules_follow_status(org_tree, make_workshop):
    unit, province = org_tree["user_unit_a1"], org_tree["user_prov_a"]
    draft = make_workshop(org_tree["unit_a1"])
    passed = make_workshop(org_tree["unit_a1"], status=S.INITIAL_APPROVED)
    submitted = make_workshop(org_tree["unit_a1"], status=S.INITIAL_SUBMITTED)
    assert workflow.can_edit_declaration(unit, draft)
    assert not workflow.can_edit_declaration(province, draft)
    assert workflow.can_edit_declaration(province, passed)
    assert not workflow.can_edit_declaration(unit, passed)
    assert not workflow.can_edit_declaration(unit, submitted)
    assert workflow.can_delete_declaration(unit, draft)
    assert not workflow.can_delete_declaration(unit, submitted)
    assert not workflow.can_delete_declaration(province, draft)


def _race(app, actors, workshop_id, action):
    """Run ``action`` from each actor in its own thread at the same moment; return the outcomes."""
    barrier = threading.Barrier(len(actors))
    outcomes = []
    lock = threading.Lock()

    def attempt(user):
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                barrier.wait()
                workflow.perform(user, workshop_id, action)
                result = "ok"
            except InvalidTransition:
                result = "refused"
            finally:
                db.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(user,)) for user in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_reviewers_approve_at_once(app, org_tree, make_workshop, make_user):
    second = make_user(org_tree["ministry"], username="ministry-2")
    reviewers = [org_tree["user_ministry"], second]
    for _ in range(20):
        workshop = make_workshop(org_tree["unit_a1"], status=S.MINISTRY_SUBMITTED)
        outcomes = _race(app, reviewers, workshop.id, "approve")
        assert sorted(outcomes) == ["ok", "refused"]
        assert Workshop.get_by_id(workshop.id).status == S.APPROVED
        assert AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).count() == 1
