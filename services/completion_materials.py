"""Completion materials (结业材料): uploading and replacing each material, and their status per workshop."""

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from peewee import IntegrityError

from models import Attachment, CompletionMaterial, DocumentKind, MaterialKind, ReviewStatus, Workshop, WorkshopDocument, db

from . import documents, storage, workflow
from .errors import Conflict, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

# The summary report is a Word document; the other materials are often scans or spreadsheets.
MATERIAL_TYPES = {kind: storage.DOCUMENT_TYPES for kind in MaterialKind.LABELS}
MATERIAL_TYPES[MaterialKind.SUMMARY_REPORT] = storage.WORD_TYPES

# Statuses in which a material counts as handed in.
HANDED_IN = (ReviewStatus.PENDING, ReviewStatus.APPROVED)


@dataclass
class MaterialState:
    """One required material of a workshop as the lists and the materials page show it."""

    kind: str
    label: str
    status: str
    status_label: str
    material_id: int | None = None
    version: int = 0
    file_name: str = ""
    attachment_id: int | None = None
    is_explanation: bool = False
    review_reason: str = ""

    @property
    def display(self) -> str:
        """The file name, or 未上报 while nothing is uploaded."""
        return self.file_name or self.status_label


def _document_kind(material_kind: str, explanation: bool) -> str:
    if material_kind == MaterialKind.SIGN_IN and explanation:
        return DocumentKind.SIGN_IN_EXPLANATION
    return MaterialKind.DOCUMENT_KINDS[material_kind][0]


def _find_row(workshop: Workshop, kind: str) -> CompletionMaterial | None:
    return CompletionMaterial.get_or_none(CompletionMaterial.workshop == workshop.id, CompletionMaterial.kind == kind)


def _material_row(workshop: Workshop, kind: str) -> CompletionMaterial:
    """Return the workshop's row for ``kind``, creating it as 未上报 when missing.

    INSERT … ON CONFLICT DO NOTHING lets two uploads that race to create the row both succeed.
    """
    CompletionMaterial.insert(workshop=workshop.id, kind=kind).on_conflict_ignore().execute()
    return _find_row(workshop, kind)


def upload_material(user, workshop_id, kind: str, file_storage, *, explanation=False, version=None) -> CompletionMaterial:
    """Store a file as the workshop's ``kind`` material and submit it for review.

    A new upload replaces the file under review; every earlier version stays
    listed. ``explanation`` marks a written explanation in place of sign-in
    sheets. ``version``, when given, is the material version the user saw.
    """
    workshop = documents.load_workshop(user, workshop_id)
    if kind not in MaterialKind.required_for(workshop):
        raise NotFound(_("“%(name)s” does not need this completion material.", name=workshop.name))
    # An unsaved row stands for a material never uploaded, so a refused user creates nothing.
    material = _find_row(workshop, kind) or CompletionMaterial(workshop=workshop, kind=kind)
    workflow.check_row(user, material, "submit_material")

    label = MaterialKind.LABELS[kind]
    document_kind = _document_kind(kind, explanation)
    try:
        attachment = documents.store_file(
            file_storage, allowed=MATERIAL_TYPES[kind], kind=document_kind, workshop=workshop, user=user
        )
    except ValidationFailed as error:
        raise ValidationFailed(f"{label}：{error.message}") from error
    try:
        with db.atomic():
            material = _material_row(workshop, kind)
            document = documents.add_version(workshop, document_kind, attachment, user)
            detail = f"{DocumentKind.LABELS[document_kind]}：{attachment.original_name}"
            changes = {CompletionMaterial.document: document.id}
            material = workflow.perform_row(
                user, CompletionMaterial, material.id, "submit_material", detail=detail, version=version, changes=changes
            )
    except IntegrityError as error:
        documents.discard([attachment])
        raise Conflict(
            _("Another upload for “%(name)s” arrived at the same moment. Reload the page.", name=workshop.name)
        ) from error
    except BaseException:
        documents.discard([attachment])
        raise
    return material


def materials_by_workshop(workshop_ids) -> dict:
    """Load the material rows of the workshops with their current documents, as {(workshop id, kind): row}."""
    ids = list(workshop_ids)
    if not ids:
        return {}
    query = (
        CompletionMaterial.select(CompletionMaterial, WorkshopDocument, Attachment)
        .join(WorkshopDocument, on=CompletionMaterial.document == WorkshopDocument.id)
        .join(Attachment, on=WorkshopDocument.attachment == Attachment.id)
        .where(CompletionMaterial.workshop.in_(ids))
    )
    return {(row.workshop_id, row.kind): row for row in query}


def _state(kind: str, row: CompletionMaterial | None) -> MaterialState:
    if row is None:
        status = ReviewStatus.NOT_REPORTED
        return MaterialState(kind, str(MaterialKind.LABELS[kind]), status, str(ReviewStatus.LABELS[status]))
    document = row.document
    return MaterialState(
        kind=kind,
        label=str(MaterialKind.LABELS[kind]),
        status=row.status,
        status_label=str(row.status_label),
        material_id=row.id,
        version=row.version,
        file_name=document.attachment.original_name,
        attachment_id=document.attachment_id,
        is_explanation=document.kind == DocumentKind.SIGN_IN_EXPLANATION,
        review_reason=row.review_reason,
    )


def material_summary(workshop: Workshop, rows=None) -> list[MaterialState]:
    """List each material the workshop needs, in order, with its status and the current file name.

    ``rows`` is the result of ``materials_by_workshop`` for a list page that
    shows many workshops; without it the rows are read here.
    """
    if rows is None:
        rows = materials_by_workshop([workshop.id])
    return [_state(kind, rows.get((workshop.id, kind))) for kind in MaterialKind.required_for(workshop)]


def missing_materials(workshop: Workshop) -> list[MaterialState]:
    """List the materials not yet handed in: never uploaded, or rejected and not uploaded again."""
    return [state for state in material_summary(workshop) if state.status not in HANDED_IN]
