"""The demo data gives one approved workshop an approved trainee list, through the workflow."""

from models import AuditRecord, CertificateStatus, DeclarationStatus, Trainee, TraineeListStatus, Workshop
from services.demo import load_demo

AI_WORKSHOP = "新一代人工智能与智能制造高级研修班"


def test_demo_ai_list_approved_with_numbers(app):
    load_demo()
    workshop = Workshop.get(Workshop.name == AI_WORKSHOP)
    assert workshop.trainee_list_status == TraineeListStatus.APPROVED
    assert workshop.trainee_list_locked
    assert workshop.certificate_status == CertificateStatus.GENERATED
    trainees = list(Trainee.select().where(Trainee.workshop == workshop.id))
    assert trainees
    assert all(t.certificate_number and t.verify_token and t.certificate_issued_on for t in trainees)
    actions = {r.action for r in AuditRecord.select().where(AuditRecord.workshop_id == workshop.id)}
    assert {"submit_trainee_list", "approve_trainee_list", "issue_certificates"} <= actions


def test_demo_other_approved_lists_open(app):
    load_demo()
    others = Workshop.select().where(Workshop.status == DeclarationStatus.APPROVED, Workshop.name != AI_WORKSHOP)
    assert others.count() == 2
    assert all(w.trainee_list_status == TraineeListStatus.OPEN for w in others)
    assert not any(w.trainee_list_locked for w in others)


def test_demo_holder_in_readme_finds_certificate(app):
    """The READMEs name 邓杰 and 440106197005065143 as a demo certificate to look up."""
    from services.certificate_lookup import find_certificates

    load_demo()
    found = find_certificates("邓杰", "440106197005065143")
    assert [certificate.workshop for certificate in found] == [AI_WORKSHOP]
