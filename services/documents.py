"""Versioned workshop documents: storing an upload as the next version and listing earlier ones."""

import logging

from flask import current_app
from flask_babel import gettext as _
from peewee import fn

from models import Attachment, Workshop, WorkshopDocument
from services import permissions, storage

from .errors import NotFound

logger = logging.getLogger(__name__)


def load_workshop(user, workshop_id) -> Workshop:
    """Load the workshop with ``workshop_id`` from the user's subtree, or raise NotFound."""
    try:
        workshop_id = int(workshop_id)
    except (TypeError, ValueError):
        workshop_id = 0
    query = permissions.scope_workshops(Workshop.select(), user).where(Workshop.id == workshop_id)
    workshop = query.first()
    if workshop is None:
        raise NotFound(_("The workshop does not exist or lies outside your organisation."))
    return workshop


def store_file(file_storage, *, allowed: dict, kind: str, workshop: Workshop, user) -> Attachment:
    """Check and store one upload for ``workshop``; the workshop's organisation owns the file."""
    return storage.save_upload(
        file_storage,
        allowed=allowed,
        max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"],
        kind=kind,
        organisation=workshop.organisation,
        user=user,
    )


def discard(attachments) -> None:
    """Remove stored uploads whose database change failed, rows and files both."""
    for attachment in attachments:
        Attachment.delete().where(Attachment.id == attachment.id).execute()
        storage.stored_path(attachment.stored_name).unlink(missing_ok=True)
        logger.info("Discarded upload %s after a failed change", attachment.id)


def add_version(workshop: Workshop, kind: str, attachment: Attachment, user) -> WorkshopDocument:
    """Add ``attachment`` as the next version of the workshop's ``kind`` document.

    Call inside the transaction of the change; the unique index on
    (workshop, kind, version) stops two uploads from taking the same number.
    """
    latest = (
        WorkshopDocument.select(fn.MAX(WorkshopDocument.version))
        .where(WorkshopDocument.workshop == workshop.id, WorkshopDocument.kind == kind)
        .scalar()
    )
    return WorkshopDocument.create(
        workshop=workshop.id, kind=kind, version=(latest or 0) + 1, attachment=attachment.id, uploaded_by=user
    )


def versions(workshop: Workshop, kinds) -> list[WorkshopDocument]:
    """List every stored version of the workshop's documents of ``kinds``, newest first."""
    query = (
        WorkshopDocument.select(WorkshopDocument, Attachment)
        .join(Attachment)
        .where(WorkshopDocument.workshop == workshop.id, WorkshopDocument.kind.in_(tuple(kinds)))
        .order_by(WorkshopDocument.uploaded_at.desc(), WorkshopDocument.id.desc())
    )
    return list(query)


def latest_by_workshop(workshop_ids, kinds) -> dict:
    """Map each workshop and kind to its newest document, as {(workshop id, kind): document}."""
    ids = list(workshop_ids)
    if not ids:
        return {}
    query = (
        WorkshopDocument.select(WorkshopDocument, Attachment)
        .join(Attachment)
        .where(WorkshopDocument.workshop.in_(ids), WorkshopDocument.kind.in_(tuple(kinds)))
        .order_by(WorkshopDocument.version)
    )
    return {(document.workshop_id, document.kind): document for document in query}
