"""Creating, editing and deleting workshop declarations (the fields, not the status)."""

import datetime
import logging

from flask_babel import gettext as _

from models import DeclarationStatus, Workshop, db

from . import audit, permissions, storage, workflow
from .errors import Conflict, NotFound, PermissionDenied

logger = logging.getLogger(__name__)

# Form fields that map one to one onto Workshop columns.
DECLARATION_COLUMNS = (
    "year",
    "name",
    "host_unit",
    "field",
    "is_featured",
    "featured_years",
    "self_funded",
    "amount",
    "purpose",
    "start_date",
    "end_date",
    "place",
    "contact_person",
    "contact_phone",
    "planned_trainees",
)

ATTACHMENT_KIND = "declaration"


def _values(data: dict) -> dict:
    values = {name: data.get(name) for name in DECLARATION_COLUMNS}
    if not values["is_featured"]:
        values["featured_years"] = None
    return values


def _store_attachment(user, organisation, upload):
    from flask import current_app

    return storage.save_upload(
        upload,
        allowed=storage.ARCHIVE_TYPES,
        max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"],
        kind=ATTACHMENT_KIND,
        organisation=organisation,
        user=user,
    )


def _remove_stored_files(attachments) -> None:
    """Delete the files of attachments whose rows a rolled-back transaction took away."""
    for attachment in attachments:
        storage.stored_path(attachment.stored_name).unlink(missing_ok=True)
        logger.info("Removed the file of upload %s after its change was rolled back", attachment.id)


def create_declaration(user, data: dict, upload=None) -> Workshop:
    """Save a new draft declaration of the user's own organisation."""
    if not workflow.can_declare(user):
        raise PermissionDenied(_("Only provinces, departments and units declare workshops."))
    stored = []
    try:
        with db.atomic():
            attachment = _store_attachment(user, user.organisation, upload) if upload and upload.filename else None
            stored += [attachment] if attachment else []
            workshop = Workshop.create(
                organisation=user.organisation_id,
                declared_on=datetime.date.today(),
                status=DeclarationStatus.DRAFT,
                attachment=attachment,
                created_by=user.id,
                **_values(data),
            )
            audit.record(user, "create", workshop, new_status=DeclarationStatus.DRAFT)
    except BaseException:
        _remove_stored_files(stored)
        raise
    logger.info("User %s created declaration %s", user.id, workshop.id)
    return workshop


def load_for_edit(user, workshop_id) -> Workshop:
    workshop = permissions.scope_workshops(Workshop.select(), user).where(Workshop.id == workshop_id).first()
    if workshop is None:
        raise NotFound(_("The workshop does not exist or lies outside your organisation."))
    if not workflow.can_edit_declaration(user, workshop):
        raise PermissionDenied(
            _("“%(name)s” cannot be edited in the status %(status)s.", name=workshop.name, status=workshop.status_label)
        )
    return workshop


def update_declaration(user, workshop_id, data: dict, version: int, upload=None) -> Workshop:
    """Save edits made from ``version``; refuse them if someone saved in between."""
    stored = []
    try:
        with db.atomic():
            workshop = load_for_edit(user, workshop_id)
            values = _values(data)
            if upload and upload.filename:
                values["attachment"] = _store_attachment(user, workshop.organisation, upload)
                stored.append(values["attachment"])
            values.update(version=Workshop.version + 1, updated_at=datetime.datetime.now())
            changed = (
                Workshop.update(**values)
                .where(Workshop.id == workshop.id, Workshop.version == version, Workshop.status == workshop.status)
                .execute()
            )
            if changed != 1:
                raise Conflict(
                    _(
                        "Someone else saved “%(name)s” after you opened it. Your changes were not saved; reload the page, check the latest version and edit again.",
                        name=workshop.name,
                    )
                )
            audit.record(user, "edit", workshop, old_status=workshop.status, new_status=workshop.status)
    except BaseException:
        _remove_stored_files(stored)
        raise
    logger.info("User %s edited declaration %s", user.id, workshop.id)
    return Workshop.get_by_id(workshop.id)


def delete_declaration(user, workshop_id) -> str:
    """Delete a draft of the user's own organisation; return its name."""
    with db.atomic():
        workshop = permissions.scope_workshops(Workshop.select(), user).where(Workshop.id == workshop_id).first()
        if workshop is None:
            raise NotFound(_("The workshop does not exist or lies outside your organisation."))
        if not workflow.can_delete_declaration(user, workshop):
            raise PermissionDenied(_("Only drafts of your own organisation can be deleted."))
        audit.record(user, "delete", workshop, old_status=workshop.status)
        deleted = Workshop.delete().where(Workshop.id == workshop.id, Workshop.status == DeclarationStatus.DRAFT).execute()
        if deleted != 1:
            raise Conflict(
                _(
                    "“%(name)s” was changed by someone else a moment ago. Reload the page and check its status.",
                    name=workshop.name,
                )
            )
    logger.info("User %s deleted draft declaration %s", user.id, workshop_id)
    return workshop.name
