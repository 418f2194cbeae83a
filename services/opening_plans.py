"""Opening notice and implementation plan (开班通知和方案): submitting the pair and reading its review."""

import logging

from flask_babel import gettext as _
from peewee import IntegrityError

from models import AuditRecord, DocumentKind, ReviewStatus, Workshop, db

from . import documents, storage, workflow
from .errors import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

PAIR_KINDS = (DocumentKind.OPENING_NOTICE, DocumentKind.IMPLEMENTATION_PLAN)
PAIR_TYPES = storage.DOCUMENT_TYPES


def _store_labelled(file_storage, kind, workshop, user):
    """Store one file of the pair. A rejected file's message starts with its role in the pair."""
    label = DocumentKind.LABELS[kind]
    try:
        return documents.store_file(file_storage, allowed=PAIR_TYPES, kind=kind, workshop=workshop, user=user)
    except ValidationFailed as error:
        raise ValidationFailed(f"{label}：{error.message}") from error


def submit_opening_documents(user, workshop_id, notice, plan) -> Workshop:
    """Store the opening notice and the implementation plan as new versions and submit them for review.

    Both files are required. Raises a DomainError and keeps nothing when a file
    is rejected or the workshop's plan status does not allow a submission.
    """
    workshop = documents.load_workshop(user, workshop_id)
    workflow.check(user, workshop, "submit_plan")
    for kind, file_storage in zip(PAIR_KINDS, (notice, plan), strict=True):
        if file_storage is None or not file_storage.filename:
            raise ValidationFailed(_("%(label)s: choose a file to upload.", label=DocumentKind.LABELS[kind]))

    stored = []
    try:
        for kind, file_storage in zip(PAIR_KINDS, (notice, plan), strict=True):
            stored.append(_store_labelled(file_storage, kind, workshop, user))
        with db.atomic():
            for kind, attachment in zip(PAIR_KINDS, stored, strict=True):
                documents.add_version(workshop, kind, attachment, user)
            detail = "\n".join(f"{DocumentKind.LABELS[k]}：{a.original_name}" for k, a in zip(PAIR_KINDS, stored, strict=True))
            workshop = workflow.perform(user, workshop.id, "submit_plan", detail=detail)
    except IntegrityError as error:
        documents.discard(stored)
        raise Conflict(
            _("Another upload for “%(name)s” arrived at the same moment. Reload the page.", name=workshop.name)
        ) from error
    except BaseException:
        documents.discard(stored)
        raise
    return workshop


def rejection_reasons(workshops) -> dict:
    """Return the reason of the latest rejection of each rejected pair, as {workshop id: reason}."""
    ids = [w.id for w in workshops if w.plan_status == ReviewStatus.REJECTED]
    if not ids:
        return {}
    records = (
        AuditRecord.select(AuditRecord.workshop_id, AuditRecord.reason)
        .where(AuditRecord.workshop_id.in_(ids), AuditRecord.action == "reject_plan")
        .order_by(AuditRecord.id)
    )
    return {record.workshop_id: record.reason for record in records}
