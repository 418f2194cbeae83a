"""Certificates: what a page shows, batch printing for the back office, and print counts."""

import logging

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from models import CertificateStatus, DocumentType, Trainee, Workshop, db

from . import audit, permissions
from .certificate_pdf import render_certificates
from .crypto import cipher
from .errors import NotFound, PermissionDenied, ValidationFailed

logger = logging.getLogger(__name__)


def format_date(value) -> str:
    if value is None:
        return ""
    return _("%(year)d-%(month)d-%(day)d", year=value.year, month=value.month, day=value.day)


def format_period(workshop) -> str:
    if not workshop.start_date:
        return ""
    start = format_date(workshop.start_date)
    end = format_date(workshop.end_date or workshop.start_date)
    return start if start == end else _("%(start)s to %(end)s", start=start, end=end)


def format_hours(hours) -> str:
    """Class hours without a trailing .0, such as 40 or 32.5."""
    text = f"{hours:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def certificate_labels() -> dict:
    """Translate the fixed texts of a certificate here, because the worker processes have no request to translate in."""
    return {
        "programme": _("National Knowledge Update Programme for Professional and Technical Personnel"),
        "title": _("Training certificate"),
        "name": _("Full name"),
        "number": _("Certificate number"),
        "workshop": _("Training programme"),
        "period": _("Training period"),
        "hours": _("Class hours"),
        "issued": _("Issue date"),
        "statement": _(
            "The holder took part in this advanced training workshop of the programme, completed the required "
            "class hours and passed the assessment. This certificate is hereby issued."
        ),
        "seal": _("Training organisation (seal)"),
        "scan": _("Scan the QR code to verify this certificate"),
    }


def id_label(trainee) -> str:
    if trainee.document_type == DocumentType.RESIDENT_ID:
        return _("ID number")
    return _("Document number")


def issued_condition():
    """Trainees whose certificate is issued: number, date and verification token set, workshop generated."""
    return (
        Trainee.certificate_number.is_null(False)
        & Trainee.certificate_issued_on.is_null(False)
        & Trainee.verify_token.is_null(False)
        & (Workshop.certificate_status == CertificateStatus.GENERATED)
    )


def verify_url(base_url: str, trainee) -> str:
    return f"{base_url.rstrip('/')}/verify/{trainee.verify_token}"


def certificate_data(trainee, workshop, base_url: str) -> dict:
    """Collect the fields of one certificate as plain values. The ID number is masked unless the workshop prints it in full."""
    if workshop.certificate_full_id:
        id_number = cipher().decrypt(trainee.id_number_encrypted)
    else:
        id_number = trainee.id_number_masked
    return {
        "name": trainee.name,
        "id_label": id_label(trainee),
        "id_number": id_number,
        "number": trainee.certificate_number,
        "workshop": workshop.name,
        "period": format_period(workshop),
        "hours": format_hours(trainee.hours),
        "issued": format_date(trainee.certificate_issued_on),
        "verify_url": verify_url(base_url, trainee),
    }


def render(trainees, workshop, base_url: str) -> bytes:
    """Render the certificates of ``trainees`` (all of ``workshop``) as one PDF."""
    config = current_app.config
    data = [certificate_data(trainee, workshop, base_url) for trainee in trainees]
    return render_certificates(
        data,
        certificate_labels(),
        font_path=config["CERTIFICATE_FONT"],
        workers=config["CERTIFICATE_PRINT_WORKERS"],
    )


def record_prints(trainee_ids) -> None:
    """Add one to the print count of each certificate; only that column changes."""
    ids = list(trainee_ids)
    with db.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            Trainee.update(print_count=Trainee.print_count + 1).where(Trainee.id.in_(chunk)).execute()


# Back office


def printable_workshop(user, workshop_id: int):
    """Load a workshop whose certificates ``user`` may print, or raise NotFound or PermissionDenied."""
    query = permissions.scope_workshops(Workshop.select(), user).where(Workshop.id == workshop_id)
    workshop = query.first()
    if workshop is None:
        logger.warning("User %s asked for the certificates of workshop %s outside scope or missing", user.id, workshop_id)
        raise NotFound(_("The workshop does not exist, or you may not see it."))
    if not permissions.can_print_certificates(user, workshop):
        raise PermissionDenied(_("The certificates of this workshop have not been issued yet."))
    return workshop


def issued_trainees(workshop, trainee_ids=None):
    """Issued, unrevoked certificates of ``workshop`` in list order, optionally only ``trainee_ids``."""
    query = (
        Trainee.select(Trainee, Workshop)
        .join(Workshop)
        .where((Trainee.workshop == workshop.id) & issued_condition() & (Trainee.revoked == False))  # noqa: E712
        .order_by(Trainee.id)
    )
    if trainee_ids is not None:
        query = query.where(Trainee.id.in_(list(trainee_ids)))
    return list(query)


def print_workshop_certificates(user, workshop_id: int, trainee_ids, base_url: str):
    """Render the selected certificates of a workshop (all when ``trainee_ids`` is None) and count the prints.

    Returns the workshop, the number of certificates and the PDF bytes.
    Revoked and not yet issued certificates are left out.
    """
    workshop = printable_workshop(user, workshop_id)
    if trainee_ids is not None and not trainee_ids:
        raise ValidationFailed(_("Select at least one certificate to print."))

    trainees = issued_trainees(workshop, trainee_ids)
    limit = current_app.config["CERTIFICATE_BATCH_MAX"]
    if not trainees:
        raise ValidationFailed(_("None of the selected trainees has a printable certificate."))
    if len(trainees) > limit:
        raise ValidationFailed(
            _(
                "%(count)d certificates are selected; one PDF holds at most %(limit)d. Select fewer and print in parts.",
                count=len(trainees),
                limit=limit,
            )
        )

    pdf = render(trainees, workshop, base_url)
    with db.atomic():
        record_prints(trainee.id for trainee in trainees)
        detail = ngettext("%(num)d certificate printed.", "%(num)d certificates printed.", len(trainees))
        audit.record(user, "certificate_print", workshop, detail=detail)
    logger.info("User %s printed %s certificates of workshop %s", user.id, len(trainees), workshop.id)
    return workshop, len(trainees), pdf


def set_full_id(user, workshop_id: int, enabled: bool):
    """Choose whether a workshop's certificates print the full ID number; the ministry decides."""
    workshop = printable_workshop(user, workshop_id)
    if not permissions.can_set_certificate_id_display(user, workshop):
        raise PermissionDenied(_("Only the ministry can choose whether certificates show the full ID number."))
    with db.atomic():
        Workshop.update(certificate_full_id=enabled).where(Workshop.id == workshop.id).execute()
        detail = _("Certificates show the full ID number.") if enabled else _("Certificates show the ID number masked.")
        audit.record(user, "certificate_id_display", workshop, detail=detail)
    logger.info("User %s set full ID printing of workshop %s to %s", user.id, workshop.id, enabled)
    workshop.certificate_full_id = enabled
    return workshop
