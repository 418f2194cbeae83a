"""Declaration transitions (申报, 初审, 专技司审核, 自行承办) and the edit and delete rules that follow the status."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import PROVINCE, UNIT, Workshop

from .. import permissions
from ..errors import ValidationFailed
from .engine import (
    S,
    Transition,
    declared_by_own_province,
    declared_by_own_unit,
    declaring_organisation,
    ministry,
    register,
    unit_below_province,
)


def _require_attachment(workshop):
    """A declaration is submitted only with its stamped form attached."""
    if not workshop.attachment_id:
        raise ValidationFailed(
            _(
                "“%(name)s” has no declaration attachment. Upload the stamped form as zip, rar or 7z before submitting.",
                name=workshop.name,
            )
        )


register(
    Transition(
        "submit",
        _l("Submit"),
        "status",
        (S.DRAFT, S.INITIAL_REJECTED, S.REJECTED),
        S.INITIAL_SUBMITTED,
        declared_by_own_unit,
        precondition=_require_attachment,
    ),
    Transition(
        "initial_approve",
        _l("Pass initial review"),
        "status",
        (S.INITIAL_SUBMITTED,),
        S.INITIAL_APPROVED,
        unit_below_province,
    ),
    Transition(
        "initial_reject",
        _l("Reject at initial review"),
        "status",
        (S.INITIAL_SUBMITTED,),
        S.INITIAL_REJECTED,
        unit_below_province,
        needs_reason=True,
    ),
    Transition(
        "submit_own_to_ministry",
        _l("Submit to the ministry"),
        "status",
        (S.DRAFT, S.REJECTED),
        S.MINISTRY_SUBMITTED,
        declared_by_own_province,
        precondition=_require_attachment,
    ),
    Transition(
        "forward_to_ministry",
        _l("Submit to the ministry"),
        "status",
        (S.INITIAL_APPROVED,),
        S.MINISTRY_SUBMITTED,
        unit_below_province,
    ),
    Transition(
        "approve",
        _l("Approve"),
        "status",
        (S.MINISTRY_SUBMITTED,),
        S.APPROVED,
        ministry,
    ),
    Transition(
        "reject",
        _l("Reject declaration"),
        "status",
        (S.MINISTRY_SUBMITTED,),
        S.REJECTED,
        ministry,
        needs_reason=True,
    ),
    Transition(
        "self_host",
        _l("Host independently"),
        "status",
        (S.REJECTED,),
        S.SELF_HOSTED,
        declaring_organisation,
    ),
)


# Editing and deleting declarations are not status changes, but their rules
# follow the status, so they live beside the transitions.

UNIT_EDITABLE = (S.DRAFT, S.INITIAL_REJECTED, S.REJECTED)
PROVINCE_OWN_EDITABLE = (S.DRAFT, S.REJECTED)


def can_edit_declaration(user, workshop: Workshop) -> bool:
    if declared_by_own_unit(user, workshop):
        return workshop.status in UNIT_EDITABLE
    if declared_by_own_province(user, workshop):
        return workshop.status in PROVINCE_OWN_EDITABLE
    if unit_below_province(user, workshop):
        return workshop.status == S.INITIAL_APPROVED
    return False


def can_delete_declaration(user, workshop: Workshop) -> bool:
    return workshop.status == S.DRAFT and workshop.organisation_id == user.organisation_id


def can_declare(user) -> bool:
    return permissions.level_of(user) in (PROVINCE, UNIT)
