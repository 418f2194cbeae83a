"""The workflow engine: transitions, who may act, and the functions that apply them."""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from models import UNIT, DeclarationStatus, PlanChangeStatus, ReviewStatus, TraineeListStatus, Workshop, db

from .. import audit, permissions
from ..errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed

logger = logging.getLogger(__name__)

S = DeclarationStatus

STATUS_FIELDS = {
    "status": DeclarationStatus.LABELS,
    "plan_status": ReviewStatus.LABELS,
    "trainee_list_status": TraineeListStatus.LABELS,
}

# Who may act: predicates (user, workshop) -> bool used by the transitions.


def declared_by_own_unit(user, workshop):
    return permissions.is_unit(user) and workshop.organisation_id == user.organisation_id


def declared_by_own_province(user, workshop):
    return permissions.is_province(user) and workshop.organisation_id == user.organisation_id


def unit_below_province(user, workshop):
    return (
        permissions.is_province(user)
        and workshop.organisation.level == UNIT
        and permissions.in_subtree(user, workshop.organisation)
    )


def ministry(user, workshop):
    return permissions.is_ministry(user)


def declaring_organisation(user, workshop):
    return workshop.organisation_id == user.organisation_id


def province_over(user, workshop):
    """A province acting for a workshop of its own or of a unit below it (after approval)."""
    return permissions.is_province(user) and permissions.in_subtree(user, workshop.organisation)


def province_over_approved(user, workshop):
    """A province over an approved workshop; only approved workshops have plans, materials and trainee lists."""
    return workshop.status == S.APPROVED and province_over(user, workshop)


def ministry_on_approved(user, workshop):
    return workshop.status == S.APPROVED and ministry(user, workshop)


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
        audit.register_action(transition.action, transition.label, STATUS_FIELDS.get(transition.column))


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
    """Check whether the action is offered to the user for this row (the same checks as ``perform``)."""
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
        if transition.column == "status":
            # last_reason belongs to the declaration; other reviews keep their reasons in the audit trail.
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

    ``done`` contains the updated workshops; ``skipped`` contains (name or id, message)
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


# ---------------------------------------------------------------------------
# Status changes of rows that belong to a workshop and carry their own
# ``status``, ``review_reason``, ``version`` and ``updated_at`` columns (plan
# changes, completion materials). The same rules as ``perform``: role and
# subtree checks, a conditional UPDATE and an audit record with the workshop id,
# in one transaction.


@dataclass(frozen=True)
class RowTransition:
    action: str
    label: object
    model: type
    sources: tuple
    target: str
    # Called as allowed(user, workshop) with the row's workshop.
    allowed: Callable
    needs_reason: bool = False
    # Called as precondition(row) inside the transaction; raises DomainError to stop.
    precondition: Callable | None = None
    # Called as after(user, row) inside the transaction after the update.
    after: Callable | None = None


ROW_TRANSITIONS: dict[str, RowTransition] = {}


# Status labels of the tables whose rows move through RowTransitions.
ROW_STATUS_LABELS = {"PlanChange": PlanChangeStatus.LABELS, "CompletionMaterial": ReviewStatus.LABELS}


def register_row(*transitions: RowTransition) -> None:
    for transition in transitions:
        ROW_TRANSITIONS[transition.action] = transition
        audit.register_action(transition.action, transition.label, ROW_STATUS_LABELS.get(transition.model.__name__))


def _load_row(user, model, row_id):
    scope = permissions.scope_for_model(model)
    row = scope(model.select(), user).where(model.id == row_id).first()
    if row is None:
        raise NotFound(_("The record does not exist or lies outside your organisation."))
    return row


def check_row(user, row, action: str) -> RowTransition:
    """Raise a DomainError unless ``user`` may perform ``action`` on ``row`` now."""
    transition = ROW_TRANSITIONS[action]
    if not isinstance(row, transition.model):
        raise TypeError(f"{action} applies to {transition.model.__name__}, not {type(row).__name__}")
    if not transition.allowed(user, row.workshop):
        raise PermissionDenied(_("You may not perform “%(action)s” on “%(name)s”.", action=transition.label, name=str(row)))
    if row.status not in transition.sources:
        raise InvalidTransition(
            _(
                "“%(name)s” is %(status)s; “%(action)s” is not possible in that status.",
                name=str(row),
                status=row.status_label,
                action=transition.label,
            )
        )
    return transition


def can_row(user, row, action: str) -> bool:
    try:
        check_row(user, row, action)
    except (PermissionDenied, InvalidTransition):
        return False
    return True


def perform_row(user, model, row_id: int, action: str, reason: str = "", detail: str = "", *, version=None, changes=None):
    """Apply ``action`` to the ``model`` row for ``user`` and return the updated row.

    ``version``, when given, is the row version the user saw: a row changed
    since then raises Conflict. ``changes`` maps further columns to values set
    by the same UPDATE (the document under review, for example). Raises like
    ``perform``; nothing changes when it raises.
    """
    reason = (reason or "").strip()
    with db.atomic():
        row = _load_row(user, model, row_id)
        transition = check_row(user, row, action)
        if transition.needs_reason and not reason:
            raise ValidationFailed(_("Enter the reason for “%(action)s”.", action=transition.label))
        if version is not None and row.version != int(version):
            raise Conflict(_("“%(name)s” changed after you opened the page. Reload it and check again.", name=str(row)))
        if transition.precondition:
            transition.precondition(row)

        current = row.status
        updates = {
            model.status: transition.target,
            model.review_reason: reason,
            model.version: model.version + 1,
            model.updated_at: datetime.datetime.now(),
        }
        updates.update(changes or {})
        conditions = (model.id == row.id, model.status == current, model.version == row.version)
        if model.update(updates).where(*conditions).execute() != 1:
            raise InvalidTransition(
                _("“%(name)s” was changed by someone else a moment ago. Reload the page and check its status.", name=str(row))
            )
        row = model.get_by_id(row.id)
        audit.record(user, action, row, old_status=current, new_status=transition.target, reason=reason, detail=detail)
        if transition.after:
            transition.after(user, row)

    logger.info("User %s performed %s on %s %s (%s -> %s)", user.id, action, model.__name__, row.id, current, transition.target)
    return row


def perform_row_many(user, model, row_ids, action: str, reason: str = ""):
    """Apply ``action`` to each row separately; return (done, skipped) as ``perform_many`` does."""
    done, skipped = [], []
    scope = permissions.scope_for_model(model)
    for row_id in row_ids:
        try:
            done.append(perform_row(user, model, row_id, action, reason))
        except (NotFound, PermissionDenied, InvalidTransition, ValidationFailed, Conflict) as error:
            row = scope(model.select(), user).where(model.id == row_id).first()
            skipped.append((str(row) if row is not None else f"#{row_id}", error.message))
    return done, skipped
