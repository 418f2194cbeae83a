"""Trainee list transitions: submit (locks the list), approve (issues certificate numbers), reject (unlocks)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import CertificateStatus, Trainee, TraineeListStatus

from .. import certificate_numbers
from ..errors import ValidationFailed
from .engine import Transition, ministry_on_approved, province_over_approved, register

# Trainee list (考核合格学员名单) of an approved workshop: a province submits it,
# which locks it; the ministry approves it, which issues certificate numbers in
# the same transaction, or rejects it with a reason, which unlocks it.

TL = TraineeListStatus


def _trainee_list_submittable(workshop):
    if not Trainee.select().where(Trainee.workshop == workshop.id).exists():
        raise ValidationFailed(_("The trainee list of “%(name)s” is empty. Import the trainees first.", name=workshop.name))


register(
    Transition(
        "submit_trainee_list",
        _l("Submit"),
        "trainee_list_status",
        (TL.OPEN, TL.REJECTED),
        TL.SUBMITTED,
        province_over_approved,
        also_set={"trainee_list_locked": True},
        precondition=_trainee_list_submittable,
    ),
    Transition(
        "approve_trainee_list",
        _l("Approve"),
        "trainee_list_status",
        (TL.SUBMITTED,),
        TL.APPROVED,
        ministry_on_approved,
        also_set={"trainee_list_locked": True, "certificate_status": CertificateStatus.GENERATED},
        after=certificate_numbers.issue_for_workshop,
    ),
    Transition(
        "reject_trainee_list",
        _l("Reject"),
        "trainee_list_status",
        (TL.SUBMITTED,),
        TL.REJECTED,
        ministry_on_approved,
        needs_reason=True,
        also_set={"trainee_list_locked": False},
    ),
)
