"""Certificate numbers, issued to every trainee of a list when the ministry approves it.

Format: ``ZG{year}-{workshop id, 6 digits}-{sequence, 5 digits}``, for example
``ZG2026-000123-00007``: the workshop's declaration year, the workshop's id and
the trainee's place on the list in the order the trainees were added. The
workshop id makes every number unique across the platform without a shared
counter, so two lists approved at the same moment cannot collide; the hyphens
keep numbers unambiguous when an id or a list outgrows its digits. A unique
index on ``trainee.certificate_number`` guards the rule in the database.
Numbers are only ever given to trainees without one, so an issued number never
changes.
"""

import datetime
import logging
import secrets

from flask_babel import gettext as _
from flask_babel import ngettext

from models import Trainee

from . import audit

logger = logging.getLogger(__name__)

PREFIX = "ZG"
UPDATE_BATCH = 200
# 24 random bytes: 192 bits, well above the 128 bits a guessable token must not have.
TOKEN_BYTES = 24


def format_number(year: int, workshop_id: int, sequence: int) -> str:
    return f"{PREFIX}{year}-{workshop_id:06d}-{sequence:05d}"


def _last_sequence(workshop_id: int) -> int:
    numbers = Trainee.select(Trainee.certificate_number).where(
        Trainee.workshop == workshop_id, Trainee.certificate_number.is_null(False)
    )
    return max((int(row.certificate_number.rsplit("-", 1)[1]) for row in numbers), default=0)


def issue_for_workshop(user, workshop) -> list[str]:
    """Give every trainee of ``workshop`` without a number a certificate number, issue date and verification token.

    Runs inside the caller's transaction (the approval of the list) and
    returns the numbers issued.
    """
    pending = list(
        Trainee.select(Trainee.id)
        .where(Trainee.workshop == workshop.id, Trainee.certificate_number.is_null())
        .order_by(Trainee.id)
    )
    today = datetime.date.today()
    sequence = _last_sequence(workshop.id)
    for trainee in pending:
        sequence += 1
        trainee.certificate_number = format_number(workshop.year, workshop.id, sequence)
        trainee.certificate_issued_on = today
        trainee.verify_token = secrets.token_urlsafe(TOKEN_BYTES)
    fields = [Trainee.certificate_number, Trainee.certificate_issued_on, Trainee.verify_token]
    Trainee.bulk_update(pending, fields=fields, batch_size=UPDATE_BATCH)

    numbers = [trainee.certificate_number for trainee in pending]
    detail = ngettext("%(num)d certificate number issued.", "%(num)d certificate numbers issued.", len(numbers))
    if numbers:
        detail += "\n" + _("Numbers %(first)s to %(last)s.", first=numbers[0], last=numbers[-1])
    audit.record(user, "issue_certificates", workshop, detail=detail)
    logger.info("Issued %d certificate numbers for workshop %s", len(numbers), workshop.id)
    return numbers
