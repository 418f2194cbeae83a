"""Changing a workshop's trainee list: the import of a checked workbook and single additions, edits and deletions.

Every function takes the acting user, checks that the user manages the list,
and runs in one transaction with an audit record. Whether the list is still
open is enforced by ``models.trainees`` and the database triggers, so the
checks here only give an earlier and clearer error.
"""

import datetime
import logging

from flask_babel import gettext as _
from flask_babel import ngettext

from models import Trainee, Workshop, db, is_sqlite
from models.trainees import locked_error

from . import audit, permissions
from . import trainee_rows as tr
from .crypto import cipher
from .errors import NotFound, PermissionDenied, ValidationFailed
from .idnumbers import mask
from .trainee_import import RowError, collection_paused

logger = logging.getLogger(__name__)

# Rows per INSERT statement: 10 columns stay below SQLite's 32,766 parameters.
INSERT_BATCH = 1000


class RowsRejected(ValidationFailed):
    """Rows that conflict with the list in the database; ``errors`` contains one RowError per row."""

    def __init__(self, errors):
        super().__init__(_("%(count)d rows conflict with the trainees already on the list.", count=len(errors)))
        self.errors = errors


class ValuesRejected(ValidationFailed):
    """A single trainee with invalid values; ``problems`` maps each template column to its Problem."""

    def __init__(self, problems):
        super().__init__(" ".join(problem.text for problem in problems.values()))
        self.problems = problems


def managed_workshop(user, workshop_id) -> Workshop:
    """Load a workshop whose trainee list the user manages, or raise NotFound or PermissionDenied."""
    workshop = permissions.scope_workshops(Workshop.select(), user).where(Workshop.id == workshop_id).first()
    if workshop is None:
        raise NotFound(_("The workshop does not exist or lies outside your organisation."))
    if not permissions.can_manage_trainee_list(user, workshop):
        raise PermissionDenied(
            _("You may not change the trainee list of “%(name)s”. Only approved workshops have a list.", name=workshop.name)
        )
    return workshop


def _lock_workshop_row(workshop_id) -> Workshop:
    """Read the workshop again inside the transaction, holding its row on PostgreSQL until commit."""
    query = Workshop.select().where(Workshop.id == workshop_id)
    if not is_sqlite():
        query = query.for_update()
    workshop = query.get()
    if workshop.trainee_list_locked:
        raise locked_error([workshop.id])
    return workshop


STORED_FIELDS = (
    "workshop",
    "name",
    "hours",
    "phone",
    "document_type",
    "needs_verification",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "created_at",
)


def _stored_row(box, workshop_id, values: tr.TraineeValues, now) -> tuple:
    """Encrypt and hash one trainee's number and return the row as a tuple in the order of STORED_FIELDS."""
    number = values.number
    return (
        workshop_id,
        values.name,
        values.hours,
        values.phone or "",
        values.document_type,
        values.needs_verification,
        box.encrypt(number),
        box.lookup_hash(number),
        mask(number),
        now,
    )


def _stored_rows(box, workshop_id, rows, now, progress=None):
    """Yield the stored tuple of each checked row, calling ``progress`` with the count every INSERT_BATCH rows."""
    for done, item in enumerate(rows, 1):
        yield _stored_row(box, workshop_id, item.values, now)
        if progress and (done % INSERT_BATCH == 0 or done == len(rows)):
            progress(done)


def _stored_fields(values: tr.TraineeValues) -> dict:
    box = cipher()
    return {
        "name": values.name,
        "hours": values.hours,
        "phone": values.phone or "",
        "document_type": values.document_type,
        "needs_verification": values.needs_verification,
        "id_number_encrypted": box.encrypt(values.number),
        "id_number_hash": box.lookup_hash(values.number),
        "id_number_masked": mask(values.number),
    }


def _existing_names(workshop_id) -> dict:
    query = Trainee.select(Trainee.id_number_hash, Trainee.name).where(Trainee.workshop == workshop_id)
    return dict(query.tuples())


def import_rows(user, workshop_id, check, replace=False, progress=None) -> int:
    """Save the rows of an accepted ImportCheck in one transaction; return how many were added.

    With ``replace`` the trainees already on the list are deleted first.
    Otherwise a row whose ID number is already on the list is an error, and
    RowsRejected names every such row; nothing is saved then.
    """
    if not check.accept:
        raise ValueError("import_rows needs an accepted check")
    workshop = managed_workshop(user, workshop_id)
    box = cipher()
    with collection_paused(), db.atomic():
        workshop = _lock_workshop_row(workshop.id)
        removed = Trainee.delete().where(Trainee.workshop == workshop.id).execute() if replace else 0
        existing = {} if replace else _existing_names(workshop.id)
        conflicts = []
        for item in check.rows if existing else ():
            name = existing.get(box.lookup_hash(item.values.number))
            if name is not None:
                message = tr.duplicate_on_list(name)
                text = _("Row %(row)d, column “%(column)s”: %(problem)s", row=item.row, column=tr.FIELD_ID, problem=message.text)
                conflicts.append(RowError(item.row, tr.FIELD_ID, tr.DUPLICATE, text))
        if conflicts:
            raise RowsRejected(conflicts)

        now = datetime.datetime.now()
        Trainee.insert_rows(STORED_FIELDS, _stored_rows(box, workshop.id, check.rows, now, progress), {workshop.id}, INSERT_BATCH)
        detail = ngettext("%(num)d trainee imported.", "%(num)d trainees imported.", len(check.rows))
        if replace:
            detail += "\n" + ngettext(
                "%(num)d trainee on the list before was replaced.", "%(num)d trainees on the list before were replaced.", removed
            )
        audit.record(user, "import_trainees", workshop, detail=detail)
    logger.info("User %s imported %d trainees into workshop %s", user.id, len(check.rows), workshop.id)
    return len(check.rows)


def check_single(raw: dict) -> tr.TraineeValues:
    """Check one trainee from a form; raise ValuesRejected with the problems by column."""
    values, problems = tr.check_values(raw)
    if problems:
        raise ValuesRejected(dict(problems))
    return values


def _refuse_duplicate(workshop_id, values, exclude_id=None):
    query = Trainee.select(Trainee.name).where(
        Trainee.workshop == workshop_id, Trainee.id_number_hash == cipher().lookup_hash(values.number)
    )
    if exclude_id is not None:
        query = query.where(Trainee.id != exclude_id)
    other = query.first()
    if other is not None:
        raise ValuesRejected({tr.FIELD_ID: tr.duplicate_on_list(other.name)})


def add_trainee(user, workshop_id, raw: dict) -> Trainee:
    """Add one trainee to an open list with the same checks as the import."""
    workshop = managed_workshop(user, workshop_id)
    values = check_single(raw)
    with db.atomic():
        workshop = _lock_workshop_row(workshop.id)
        _refuse_duplicate(workshop.id, values)
        trainee = Trainee.create(workshop=workshop.id, **_stored_fields(values))
        audit.record(user, "add_trainee", trainee)
    logger.info("User %s added trainee %s to workshop %s", user.id, trainee.id, workshop.id)
    return trainee


def _scoped_trainee(user, trainee_id) -> Trainee:
    trainee = permissions.scope_trainees(Trainee.select(), user).where(Trainee.id == trainee_id).first()
    if trainee is None:
        raise NotFound(_("The trainee does not exist or lies outside your organisation."))
    return trainee


def current_values(trainee: Trainee) -> dict:
    """Return the stored values of a trainee as {template column: value}, with the decrypted document number."""
    return {
        tr.FIELD_NAME: trainee.name,
        tr.FIELD_HOURS: trainee.hours,
        tr.FIELD_ID: cipher().decrypt(trainee.id_number_encrypted),
        tr.FIELD_PHONE: trainee.phone,
        tr.FIELD_TYPE: tr.DOCUMENT_TYPE_NAMES.get(trainee.document_type),
    }


def update_trainee(user, trainee_id, changes: dict) -> Trainee:
    """Change fields of one trainee (given as {template column: value}) with the import's checks."""
    trainee = _scoped_trainee(user, trainee_id)
    managed_workshop(user, trainee.workshop_id)
    values = check_single({**current_values(trainee), **changes})
    with db.atomic():
        _lock_workshop_row(trainee.workshop_id)
        _refuse_duplicate(trainee.workshop_id, values, exclude_id=trainee.id)
        fields = _stored_fields(values)
        if values.number == cipher().decrypt(trainee.id_number_encrypted):
            # Re-encrypting an unchanged number would only change the random nonce.
            del fields["id_number_encrypted"]
        for name, value in fields.items():
            setattr(trainee, name, value)
        trainee.save()
        audit.record(user, "edit_trainee", trainee)
    logger.info("User %s changed trainee %s", user.id, trainee.id)
    return trainee


def delete_trainee(user, trainee_id) -> None:
    trainee = _scoped_trainee(user, trainee_id)
    managed_workshop(user, trainee.workshop_id)
    with db.atomic():
        _lock_workshop_row(trainee.workshop_id)
        audit.record(user, "delete_trainee", trainee)
        trainee.delete_instance()
    logger.info("User %s deleted trainee %s", user.id, trainee_id)
