"""Submitting, approving and rejecting trainee lists, and the certificate numbers approval issues."""

import re

import pytest

from models import AuditRecord, CertificateStatus, DeclarationStatus, Trainee, TraineeListStatus, Workshop
from services import certificate_numbers, workflow
from services.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tests.conftest import run_at_once
from tests.trainees.conftest import resident_id

TL = TraineeListStatus
NUMBER = re.compile(r"^ZG(\d{4})-(\d{6})-(\d{5})$")


@pytest.fixture
def filled_list(approved_workshop, make_trainee):
    """The approved workshop of unit A1 with three trainees on its open list."""
    for n in range(1, 4):
        make_trainee(approved_workshop, resident_id(n), name=f"学员{n}")
    return approved_workshop


def status_of(workshop):
    row = Workshop.get_by_id(workshop.id)
    return row.trainee_list_status, row.trainee_list_locked, row.certificate_status


def test_submit_locks_list(org_tree, filled_list):
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    assert status_of(filled_list) == (TL.SUBMITTED, True, CertificateStatus.NOT_GENERATED)
    record = AuditRecord.get(AuditRecord.action == "submit_trainee_list")
    assert (record.old_status, record.new_status) == (TL.OPEN, TL.SUBMITTED)


@pytest.mark.parametrize(
    "actor, error",
    [("user_unit_a1", PermissionDenied), ("user_ministry", PermissionDenied), ("user_prov_b", NotFound)],
)
def test_submit_refused_for_other_roles(org_tree, filled_list, actor, error):
    with pytest.raises(error):
        workflow.perform(org_tree[actor], filled_list.id, "submit_trainee_list")
    assert status_of(filled_list) == (TL.OPEN, False, CertificateStatus.NOT_GENERATED)


def test_submit_refused_for_unapproved_declaration(org_tree, make_workshop, make_trainee):
    workshop = make_workshop(org_tree["unit_a1"], status=DeclarationStatus.MINISTRY_SUBMITTED)
    make_trainee(workshop, resident_id(1))
    with pytest.raises(PermissionDenied):
        workflow.perform(org_tree["user_prov_a"], workshop.id, "submit_trainee_list")
    assert not Workshop.get_by_id(workshop.id).trainee_list_locked


def test_submit_refused_for_empty_list(org_tree, approved_workshop):
    with pytest.raises(ValidationFailed):
        workflow.perform(org_tree["user_prov_a"], approved_workshop.id, "submit_trainee_list")


def test_approve_issues_certificate_numbers(org_tree, filled_list):
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    workflow.perform(org_tree["user_ministry"], filled_list.id, "approve_trainee_list")

    assert status_of(filled_list) == (TL.APPROVED, True, CertificateStatus.GENERATED)
    issued = list(Trainee.select().where(Trainee.workshop == filled_list.id).order_by(Trainee.id))
    assert [t.certificate_number for t in issued] == [
        certificate_numbers.format_number(2026, filled_list.id, n) for n in (1, 2, 3)
    ]
    assert all(t.certificate_issued_on is not None for t in issued)
    assert len({t.verify_token for t in issued}) == 3
    assert all(len(t.verify_token) >= 22 for t in issued)
    record = AuditRecord.get(AuditRecord.action == "issue_certificates")
    assert "3" in record.detail


def test_reject_needs_reason_and_unlocks(org_tree, filled_list):
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    with pytest.raises(ValidationFailed):
        workflow.perform(org_tree["user_ministry"], filled_list.id, "reject_trainee_list", " ")
    workflow.perform(org_tree["user_ministry"], filled_list.id, "reject_trainee_list", "学时有误")
    assert status_of(filled_list) == (TL.REJECTED, False, CertificateStatus.NOT_GENERATED)
    assert AuditRecord.get(AuditRecord.action == "reject_trainee_list").reason == "学时有误"


def test_resubmit_after_rejection(org_tree, filled_list):
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    workflow.perform(org_tree["user_ministry"], filled_list.id, "reject_trainee_list", "学时有误")
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    assert status_of(filled_list)[:2] == (TL.SUBMITTED, True)


def test_province_cannot_approve(org_tree, filled_list):
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    with pytest.raises(PermissionDenied):
        workflow.perform(org_tree["user_prov_a"], filled_list.id, "approve_trainee_list")


def test_approved_numbers_never_change(org_tree, filled_list, make_trainee):
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    workflow.perform(org_tree["user_ministry"], filled_list.id, "approve_trainee_list")
    before = {t.id: t.certificate_number for t in Trainee.select()}
    with pytest.raises(InvalidTransition):
        workflow.perform(org_tree["user_ministry"], filled_list.id, "approve_trainee_list")
    with pytest.raises(InvalidTransition):
        workflow.perform(org_tree["user_ministry"], filled_list.id, "reject_trainee_list", "理由")
    certificate_numbers.issue_for_workshop(org_tree["user_ministry"], Workshop.get_by_id(filled_list.id))
    assert {t.id: t.certificate_number for t in Trainee.select()} == before


def test_bulk_approve_skips_lists_not_submitted(org_tree, filled_list, make_workshop, make_trainee):
    other = make_workshop(org_tree["unit_b1"], status=DeclarationStatus.APPROVED)
    make_trainee(other, resident_id(9))
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    done, skipped = workflow.perform_many(org_tree["user_ministry"], [filled_list.id, other.id], "approve_trainee_list")
    assert [w.id for w in done] == [filled_list.id]
    assert len(skipped) == 1
    assert status_of(other)[0] == TL.OPEN


def test_two_lists_approved_at_once_get_distinct_numbers(app, org_tree, make_workshop, make_trainee, make_user):
    second_reviewer = make_user(org_tree["ministry"], username="ministry-2")
    workshops = []
    for key in ("unit_a1", "unit_a2"):
        workshop = make_workshop(org_tree[key], status=DeclarationStatus.APPROVED)
        for n in range(1, 31):
            make_trainee(workshop, resident_id(n, birth="19850505"), name=f"学员{n}")
        workflow.perform(org_tree["user_prov_a"], workshop.id, "submit_trainee_list")
        workshops.append(workshop)

    outcomes = run_at_once(
        app,
        [
            (org_tree["user_ministry"], workshops[0].id, "approve_trainee_list"),
            (second_reviewer, workshops[1].id, "approve_trainee_list"),
        ],
    )

    assert outcomes == ["ok", "ok"]
    numbers = [t.certificate_number for t in Trainee.select()]
    assert len(numbers) == 60
    assert len(set(numbers)) == 60
    assert all(NUMBER.match(number) for number in numbers)
    for workshop in workshops:
        own = sorted(t.certificate_number for t in Trainee.select().where(Trainee.workshop == workshop.id))
        assert own == [certificate_numbers.format_number(2026, workshop.id, n) for n in range(1, 31)]


def test_same_list_approved_twice_at_once(app, org_tree, filled_list, make_user):
    second_reviewer = make_user(org_tree["ministry"], username="ministry-2")
    workflow.perform(org_tree["user_prov_a"], filled_list.id, "submit_trainee_list")
    outcomes = run_at_once(
        app,
        [
            (org_tree["user_ministry"], filled_list.id, "approve_trainee_list"),
            (second_reviewer, filled_list.id, "approve_trainee_list"),
        ],
    )
    assert sorted(outcomes) == ["ok", "refused"]
    assert AuditRecord.select().where(AuditRecord.action == "issue_certificates").count() == 1
    assert Trainee.select().where(Trainee.certificate_number.is_null()).count() == 0
