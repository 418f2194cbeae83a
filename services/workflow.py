"""Every status change of a workshop: the transition table and the one function that applies it.

A transition names the status column it moves, the statuses it starts from,
the status it ends in, and who may perform it. ``perform`` checks the role,
the subtree and the current status inside one write transaction and moves the
status with a conditional UPDATE, so two reviewers acting at once cannot both
succeed. Each transition writes an audit record in the same transaction.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import (
    PROVINCE,
    UNIT,
    CertificateStatus,
    DeclarationStatus,
    ReviewStatus,
    Trainee,
    TraineeListStatus,
    Workshop,
    db,
)

from . import audit, certificate_numbers, permissions
from .errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed

logger = logging.getLogger(__name__)

S = DeclarationStatus

STATUS_FIELDS = {
    "status": DeclarationStatus.LABELS,
    "plan_status": ReviewStatus.LABELS,
    "trainee_list_status": TraineeListStatus.LABELS,
}


def _declared_by_own_unit(user, workshop):
    return permissions.is_unit(user) and workshop.organisation_id == user.organisation_id


def _declared_by_own_province(user, workshop):
    return permissions.is_province(user) and workshop.organisation_id == user.organisation_id


def _unit_below_province(user, workshop):
    return (
        permissions.is_province(user)
        and workshop.organisation.level == UNIT
        and permissions.in_subtree(user, workshop.organisation)
    )


def _ministry(user, workshop):
    return permissions.is_ministry(user)


def _declaring_organisation(user, workshop):
    return workshop.organisation_id == user.organisation_id


def _province_over(user, workshop):
    """A province acting for a workshop of its own or of a unit below it (after approval)."""
    return permissions.is_province(user) and permissions.in_subtree(user, workshop.organisation)


@dataclass(frozen=True)
class Transition:
    action: str
    label: object
    column: str
    sources: tuple
    target: str
    allowed: Callable
    needs_reason: bool = False
    # Extra columns to set, as {column: value}.
    also_set: dict = field(default_factory=dict)
    # Called as precondition(workshop) inside the transaction; raises DomainError to stop.
    precondition: Callable | None = None
    # Called as after(user, workshop) inside the transaction after the update.
    after: Callable | None = None


TRANSITIONS: dict[str, Transition] = {}


def register(*transitions: Transition) -> None:
    for transition in transitions:
        TRANSITIONS[transition.action] = transition


register(
    Transition(
        "submit",
        _l("Submit"),
        "status",
        (S.DRAFT, S.INITIAL_REJECTED, S.REJECTED),
        S.INITIAL_SUBMITTED,
        _declared_by_own_unit,
    ),
    Transition(
        "initial_approve",
        _l("Pass initial review"),
        "status",
        (S.INITIAL_SUBMITTED,),
        S.INITIAL_APPROVED,
        _unit_below_province,
    ),
    Transition(
        "initial_reject",
        _l("Reject at initial review"),
        "status",
        (S.INITIAL_SUBMITTED,),
        S.INITIAL_REJECTED,
        _unit_below_province,
        needs_reason=True,
    ),
    Transition(
        "submit_own_to_ministry",
        _l("Submit to the ministry"),
        "status",
        (S.DRAFT, S.REJECTED),
        S.MINISTRY_SUBMITTED,
        _declared_by_own_province,
    ),
    Transition(
        "forward_to_ministry",
        _l("Submit to the ministry"),
        "status",
        (S.INITIAL_APPROVED,),
        S.MINISTRY_SUBMITTED,
        _unit_below_province,
    ),
    Transition(
        "approve",
        _l("Approve"),
        "status",
        (S.MINISTRY_SUBMITTED,),
        S.APPROVED,
        _ministry,
    ),
    Transition(
        "reject",
        _l("Reject declaration"),
        "status",
        (S.MINISTRY_SUBMITTED,),
        S.REJECTED,
        _ministry,
        needs_reason=True,
    ),
    Transition(
        "self_host",
        _l("Host independently"),
        "status",
        (S.REJECTED,),
        S.SELF_HOSTED,
        _declaring_organisation,
    ),
)


def status_label(column: str, code: str) -> str:
    return str(STATUS_FIELDS.get(column, {}).get(code, code))


def _load(user, workshop_id) -> Workshop:
    query = permissions.scope_workshops(Workshop.select(), user)
    workshop = query.where(Workshop.id == workshop_id).first()
    if workshop is None:
        raise NotFound(_("The workshop does not exist or lies outside your organisation."))
    return workshop


def check(user, workshop: Workshop, action: str) -> Transition:
    """Raise a DomainError unless ``user`` may perform ``action`` on ``workshop`` now."""
    transition = TRANSITIONS[action]
    if not transition.allowed(user, workshop):
        raise PermissionDenied(_("You may not perform “%(action)s” on “%(name)s”.", action=transition.label, name=workshop.name))
    current = getattr(workshop, transition.column)
    if current not in transition.sources:
        raise InvalidTransition(
            _(
                "“%(name)s” is %(status)s; “%(action)s” is not possible in that status.",
                name=workshop.name,
                status=status_label(transition.column, current),
                action=transition.label,
            )
        )
    return transition


def can(user, workshop: Workshop, action: str) -> bool:
    """Whether the action is offered to the user for this row (the same checks as ``perform``)."""
    try:
        check(user, workshop, action)
    except (PermissionDenied, InvalidTransition):
        return False
    return True


def available_actions(user, workshop: Workshop, actions=None) -> list[str]:
    return [name for name in (actions or TRANSITIONS) if can(user, workshop, name)]


def perform(user, workshop_id: int, action: str, reason: str = "", detail: str = "") -> Workshop:
    """Apply ``action`` to the workshop for ``user`` and return the updated row.

    Raises NotFound for a workshop outside the user's subtree, PermissionDenied
    for the wrong role, InvalidTransition when the status does not allow the
    action (also when another user changed it a moment earlier), and
    ValidationFailed for a missing reason. Nothing changes when it raises.
    """
    reason = (reason or "").strip()
    with db.atomic():
        workshop = _load(user, workshop_id)
        transition = check(user, workshop, action)
        if transition.needs_reason and not reason:
            raise ValidationFailed(_("Enter the reason for “%(action)s”.", action=transition.label))
        if transition.precondition:
            transition.precondition(workshop)

        column = getattr(Workshop, transition.column)
        current = getattr(workshop, transition.column)
        updates = {
            column: transition.target,
            Workshop.version: Workshop.version + 1,
            Workshop.updated_at: datetime.datetime.now(),
        }
        for name, value in transition.also_set.items():
            updates[getattr(Workshop, name)] = value
        if transition.needs_reason or transition.column == "status":
            updates[Workshop.last_reason] = reason
        changed = Workshop.update(updates).where(Workshop.id == workshop.id, column == current).execute()
        if changed != 1:
            raise InvalidTransition(
                _(
                    "“%(name)s” was changed by someone else a moment ago. Reload the page and check its status.",
                    name=workshop.name,
                )
            )
        workshop = Workshop.get_by_id(workshop.id)
        audit.record(user, action, workshop, old_status=current, new_status=transition.target, reason=reason, detail=detail)
        if transition.after:
            transition.after(user, workshop)

    logger.info("User %s performed %s on workshop %s (%s -> %s)", user.id, action, workshop.id, current, transition.target)
    return workshop


def perform_many(user, workshop_ids, action: str, reason: str = ""):
    """Apply ``action`` to each workshop separately; return (done, skipped) lists.

    ``done`` holds the updated workshops; ``skipped`` holds (name or id, message)
    pairs for rows the action could not apply to. Each row is its own
    transaction, so one refusal does not undo the others.
    """
    done, skipped = [], []
    for workshop_id in workshop_ids:
        try:
            done.append(perform(user, workshop_id, action, reason))
        except (NotFound, PermissionDenied, InvalidTransition, ValidationFailed) as error:
            row = Workshop.select(Workshop.name).where(Workshop.id == workshop_id).first()
            visible = (
                row is not None
                and permissions.scope_workshops(Workshop.select(), user).where(Workshop.id == workshop_id).exists()
            )
            skipped.append((row.name if visible else f"#{workshop_id}", error.message))
    return done, skipped


# Editing and deleting declarations are not status changes, but their rules
# follow the status, so they live beside the transitions.

UNIT_EDITABLE = (S.DRAFT, S.INITIAL_REJECTED, S.REJECTED)
PROVINCE_OWN_EDITABLE = (S.DRAFT, S.REJECTED)


def can_edit_declaration(user, workshop: Workshop) -> bool:
    if _declared_by_own_unit(user, workshop):
        return workshop.status in UNIT_EDITABLE
    if _declared_by_own_province(user, workshop):
        return workshop.status in PROVINCE_OWN_EDITABLE
    if _unit_below_province(user, workshop):
        return workshop.status == S.INITIAL_APPROVED
    return False


def can_delete_declaration(user, workshop: Workshop) -> bool:
    return workshop.status == S.DRAFT and workshop.organisation_id == user.organisation_id


def can_declare(user) -> bool:
    return permissions.level_of(user) in (PROVINCE, UNIT)


# Trainee list (考核合格学员名单) of an approved workshop: a province submits it,
# which locks it; the ministry approves it, which issues certificate numbers in
# the same transaction, or rejects it with a reason, which unlocks it.

TL = TraineeListStatus


def _province_over_approved(user, workshop):
    """A province over an approved workshop; other workshops have no trainee list to act on."""
    return workshop.status == S.APPROVED and _province_over(user, workshop)


def _ministry_on_approved(user, workshop):
    return workshop.status == S.APPROVED and _ministry(user, workshop)


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
        _province_over_approved,
        also_set={"trainee_list_locked": True},
        precondition=_trainee_list_submittable,
    ),
    Transition(
        "approve_trainee_list",
        _l("Approve"),
        "trainee_list_status",
        (TL.SUBMITTED,),
        TL.APPROVED,
        _ministry_on_approved,
        also_set={"trainee_list_locked": True, "certificate_status": CertificateStatus.GENERATED},
        after=certificate_numbers.issue_for_workshop,
    ),
    Transition(
        "reject_trainee_list",
        _l("Reject"),
        "trainee_list_status",
        (TL.SUBMITTED,),
        TL.REJECTED,
        _ministry_on_approved,
        needs_reason=True,
        also_set={"trainee_list_locked": False},
    ),
)
