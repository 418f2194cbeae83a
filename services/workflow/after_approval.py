"""After approval: the opening notice and plan, plan changes and completion materials."""

import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import CompletionMaterial, PlanChange, PlanChangeStatus, ReviewStatus, Workshop

from .. import audit
from ..errors import ValidationFailed
from .engine import RowTransition, Transition, ministry, province_over_approved, register, register_row

# ---------------------------------------------------------------------------
# After approval: the opening notice and implementation plan (Workshop.plan_status).
# The province above the workshop submits both files; the ministry reviews them.

R = ReviewStatus


register(
    Transition(
        "submit_plan",
        _l("Submit opening notice and plan"),
        "plan_status",
        (R.NOT_REPORTED, R.REJECTED),
        R.PENDING,
        province_over_approved,
    ),
    Transition(
        "approve_plan",
        _l("Approve opening notice and plan"),
        "plan_status",
        (R.PENDING,),
        R.APPROVED,
        ministry,
    ),
    Transition(
        "reject_plan",
        _l("Reject opening notice and plan"),
        "plan_status",
        (R.PENDING,),
        R.REJECTED,
        ministry,
        needs_reason=True,
    ),
)


# ---------------------------------------------------------------------------
# Plan changes (计划变化) and completion materials (结业材料).

P = PlanChangeStatus

# Workshop columns a plan change can set, with the request's column and the label in the audit detail.
PLAN_CHANGE_COLUMNS = (
    ("start_date", "new_start_date", _l("Start date")),
    ("end_date", "new_end_date", _l("End date")),
    ("place", "new_place", _l("Place")),
    ("host_unit", "new_host_unit", _l("Host unit")),
)


def plan_change_values(change, workshop) -> dict:
    """Return the workshop columns the change sets, as {column: new value}, leaving out unchanged ones."""
    values = {}
    for column, requested, _label in PLAN_CHANGE_COLUMNS:
        value = getattr(change, requested)
        if value not in (None, "") and value != getattr(workshop, column):
            values[column] = value
    return values


def _check_plan_change_dates(change):
    workshop = change.workshop
    start = change.new_start_date or workshop.start_date
    end = change.new_end_date or workshop.end_date
    if start and end and end < start:
        raise ValidationFailed(
            _(
                "The change to “%(name)s” would end the workshop (%(end)s) before it starts (%(start)s).",
                name=workshop.name,
                start=start.isoformat(),
                end=end.isoformat(),
            )
        )


def _apply_plan_change(user, change):
    """Write an approved change into its workshop and record the old and new values."""
    workshop = Workshop.get_by_id(change.workshop_id)
    values = plan_change_values(change, workshop)
    labels = {column: label for column, _requested, label in PLAN_CHANGE_COLUMNS}
    lines = [f"{labels[column]}：{getattr(workshop, column) or '—'} → {value}" for column, value in values.items()]
    if change.other_changes:
        lines.append(_("Other changes: %(text)s", text=change.other_changes))
    updates = {getattr(Workshop, column): value for column, value in values.items()}
    updates.update({Workshop.version: Workshop.version + 1, Workshop.updated_at: datetime.datetime.now()})
    Workshop.update(updates).where(Workshop.id == workshop.id).execute()
    audit.record(user, "apply_plan_change", Workshop.get_by_id(workshop.id), detail="\n".join(lines))


register_row(
    RowTransition("submit_plan_change", _l("Submit plan change"), PlanChange, (P.NEW,), P.PENDING, province_over_approved),
    RowTransition(
        "approve_plan_change",
        _l("Approve plan change"),
        PlanChange,
        (P.PENDING,),
        P.APPROVED,
        ministry,
        precondition=_check_plan_change_dates,
        after=_apply_plan_change,
    ),
    RowTransition(
        "reject_plan_change",
        _l("Reject plan change"),
        PlanChange,
        (P.PENDING,),
        P.REJECTED,
        ministry,
        needs_reason=True,
    ),
    # Uploading again while the material awaits review replaces the file under review.
    RowTransition(
        "submit_material",
        _l("Upload completion material"),
        CompletionMaterial,
        (R.NOT_REPORTED, R.PENDING, R.REJECTED),
        R.PENDING,
        province_over_approved,
    ),
    RowTransition("approve_material", _l("Approve completion material"), CompletionMaterial, (R.PENDING,), R.APPROVED, ministry),
    RowTransition(
        "reject_material",
        _l("Reject completion material"),
        CompletionMaterial,
        (R.PENDING,),
        R.REJECTED,
        ministry,
        needs_reason=True,
    ),
)

# Audit actions that are not transitions but appear in a workshop's timeline.
audit.register_action("apply_plan_change", _l("Plan change applied to the workshop"))
