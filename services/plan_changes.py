"""Plan changes (计划变化情况): filing a request with its stamped application, and describing it."""

import datetime
import logging

from flask_babel import gettext as _

from models import PlanChange, PlanChangeStatus, Workshop, db

from . import documents, storage, workflow
from .errors import InvalidTransition, ValidationFailed

logger = logging.getLogger(__name__)

APPLICATION_TYPES = storage.DOCUMENT_TYPES
# The values a request is filed with, besides the workshop and the application file.
FORM_FIELDS = ("new_start_date", "new_end_date", "new_place", "new_host_unit", "other_changes", "reason")
TEXT_LIMITS = {"new_place": 100, "new_host_unit": 100, "other_changes": 2000, "reason": 2000}


def _clean(values: dict) -> dict:
    """Strip the text fields and validate the requested changes. ValidationFailed names the invalid field."""
    clean = {key: (values.get(key) or "").strip() for key in TEXT_LIMITS}
    clean["new_start_date"] = values.get("new_start_date")
    clean["new_end_date"] = values.get("new_end_date")
    labels = {
        "new_place": _("New place"),
        "new_host_unit": _("New host unit"),
        "other_changes": _("Other changes"),
        "reason": _("Reason for the change"),
    }
    for key, limit in TEXT_LIMITS.items():
        if len(clean[key]) > limit:
            raise ValidationFailed(_("%(field)s: enter at most %(limit)s characters.", field=labels[key], limit=limit))
    if not clean["reason"]:
        raise ValidationFailed(_("Reason for the change: enter why the plan changes."))
    if not any(clean[key] for key in ("new_start_date", "new_end_date", "new_place", "new_host_unit", "other_changes")):
        raise ValidationFailed(
            _("Enter at least one change: new dates, a new place, a new host unit or a description of other changes.")
        )
    return clean


def _check_dates(workshop: Workshop, values: dict) -> None:
    start = values["new_start_date"] or workshop.start_date
    end = values["new_end_date"] or workshop.end_date
    if start and end and end < start:
        raise ValidationFailed(
            _(
                "New end date: the workshop would end (%(end)s) before it starts (%(start)s). Correct the dates.",
                start=start.isoformat(),
                end=end.isoformat(),
            )
        )


def pending_change(workshop: Workshop) -> PlanChange | None:
    return (
        PlanChange.select()
        .where(PlanChange.workshop == workshop.id, PlanChange.status == PlanChangeStatus.PENDING)
        .order_by(PlanChange.id.desc())
        .first()
    )


def can_file(user, workshop: Workshop) -> bool:
    """Return whether the user may file a plan change for the workshop now."""
    return workflow.can_row(user, PlanChange(workshop=workshop, status=PlanChangeStatus.NEW), "submit_plan_change")


def file_plan_change(user, workshop_id, values: dict, application) -> PlanChange:
    """File a plan change request with its stamped application and submit it for review.

    ``values`` contains ``new_start_date``, ``new_end_date`` (dates or None),
    ``new_place``, ``new_host_unit``, ``other_changes`` and ``reason``. A
    workshop has at most one request awaiting review at a time.
    """
    workshop = documents.load_workshop(user, workshop_id)
    probe = PlanChange(workshop=workshop, status=PlanChangeStatus.NEW)
    workflow.check_row(user, probe, "submit_plan_change")
    values = _clean(values)
    _check_dates(workshop, values)
    if application is None or not application.filename:
        raise ValidationFailed(_("Stamped application: choose the scanned application to upload."))
    try:
        attachment = documents.store_file(
            application, allowed=APPLICATION_TYPES, kind="plan_change", workshop=workshop, user=user
        )
    except ValidationFailed as error:
        raise ValidationFailed(_("Stamped application: %(message)s", message=error.message)) from error

    try:
        with db.atomic():
            # A no-op UPDATE locks the workshop row on PostgreSQL (SQLite locks the
            # database at BEGIN), so two requests filed at once cannot both be pending.
            Workshop.update(updated_at=Workshop.updated_at).where(Workshop.id == workshop.id).execute()
            if pending_change(workshop) is not None:
                raise InvalidTransition(
                    _("“%(name)s” already has a plan change awaiting review. Wait for its review first.", name=workshop.name)
                )
            change = PlanChange.create(
                workshop=workshop.id,
                old_start_date=workshop.start_date,
                old_end_date=workshop.end_date,
                old_place=workshop.place,
                old_host_unit=workshop.host_unit,
                application=attachment.id,
                created_by=user,
                created_at=datetime.datetime.now(),
                **values,
            )
            change = workflow.perform_row(user, PlanChange, change.id, "submit_plan_change", detail=describe(change))
    except BaseException:
        documents.discard([attachment])
        raise
    return change


def change_lines(change: PlanChange) -> list[tuple[str, str, str]]:
    """List what the request changes, as (field label, old value, new value) triples."""
    lines = []
    for column, requested, label in workflow.PLAN_CHANGE_COLUMNS:
        new = getattr(change, requested)
        if new in (None, ""):
            continue
        old = getattr(change, f"old_{column}")
        lines.append((str(label), str(old) if old not in (None, "") else "—", str(new)))
    if change.other_changes:
        lines.append((_("Other changes"), "", change.other_changes))
    return lines


def describe(change: PlanChange) -> str:
    """Format the request's changes as one line per field, for lists and the audit detail."""
    parts = []
    for label, old, new in change_lines(change):
        parts.append(f"{label}：{new}" if not old else f"{label}：{old} → {new}")
    return "\n".join(parts)
