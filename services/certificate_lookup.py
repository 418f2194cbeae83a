"""Public certificate look-ups: search by name and ID number, expiring links, verification."""

import datetime
import logging
import re
import struct
import time
from dataclasses import dataclass

from peewee import SqliteDatabase

from models import CertificateStatus, Trainee, Workshop, db

from .certificates import issued_condition
from .crypto import cipher
from .idnumbers import compact_number, normalise_text

logger = logging.getLogger(__name__)

# Certificate links are sealed tokens (services.crypto): the trainee's row id and
# the expiry, encrypted with 224 random bits around them. They need no table and
# no write per search, and hold neither the ID number nor the certificate number.
LINK_PURPOSE = b"certificate-link-v1"
MAX_TOKEN_LENGTH = 120


def normalise_name(value) -> str:
    """Normalise a name as the importer stores it: full-width forms folded, trimmed, inner spaces collapsed."""
    return re.sub(r"\s+", " ", normalise_text(value))


def normalise_id_number(value) -> str:
    """Normalise an ID number as the importer stores it: full-width digits folded, spaces removed, X upper-case."""
    return compact_number(value)


@dataclass(frozen=True)
class FoundCertificate:
    """One row of a search result."""

    trainee_id: int
    workshop: str
    number: str
    issued_on: datetime.date
    revoked: bool


# NOTE: written as SQL rather than built by peewee, because building this query
# took about a quarter of a search request's time (measured with cProfile).
# Keep the conditions in step with services.certificates.issued_condition().
# Without statistics SQLite's planner picked the index on the name, and a
# common name has hundreds of trainees: 0.6 ms a search instead of 0.02 ms
# on a million certificates. The ID hash narrows to one person, so the SQLite
# query names its index. PostgreSQL chooses from its own statistics.
_FIND_SQL = (
    "SELECT t.id, w.name, t.certificate_number, t.certificate_issued_on, t.revoked "
    "FROM trainee AS t {hint}JOIN workshop AS w ON w.id = t.workshop_id "
    "WHERE t.id_number_hash = {p} AND t.name = {p} AND w.certificate_status = {p} "
    "AND t.certificate_number IS NOT NULL AND t.certificate_issued_on IS NOT NULL AND t.verify_token IS NOT NULL "
    "ORDER BY t.certificate_issued_on DESC, t.id DESC"
)


def _find_sql() -> str:
    if isinstance(db.obj, SqliteDatabase):
        return _FIND_SQL.format(p=db.param, hint="INDEXED BY trainee_id_number_hash ")
    return _FIND_SQL.format(p=db.param, hint="")


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def find_certificates(name: str, id_number: str) -> list[FoundCertificate]:
    """Issued certificates of the person with this name and ID number, newest first.

    Every miss runs the same single indexed query: an unknown ID number, a
    known one with another name, and a certificate not issued yet all return
    an empty list after the same work.
    """
    lookup = cipher().lookup_hash(normalise_id_number(id_number))
    sql = _find_sql()
    cursor = db.execute_sql(sql, (lookup, normalise_name(name), CertificateStatus.GENERATED))
    return [
        FoundCertificate(trainee_id, workshop, number, _as_date(issued_on), bool(revoked))
        for trainee_id, workshop, number, issued_on, revoked in cursor.fetchall()
    ]


def create_link(trainee_id: int, minutes: int) -> str:
    """Return a token that opens the certificate page of ``trainee_id`` for ``minutes``."""
    expires = int(time.time()) + minutes * 60
    return cipher().seal_token(LINK_PURPOSE, struct.pack(">qq", trainee_id, expires))


def _opened_link(token: str) -> int | None:
    """Return the trainee id inside a valid, unexpired link token, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    payload = cipher().open_token(LINK_PURPOSE, token)
    if payload is None or len(payload) != 16:
        return None
    trainee_id, expires = struct.unpack(">qq", payload)
    return trainee_id if expires > time.time() else None


def trainee_for_link(token: str):
    """Return the issued certificate a link token opens, or None when the token is invalid or expired."""
    trainee_id = _opened_link(token)
    if trainee_id is None:
        return None
    return Trainee.select(Trainee, Workshop).join(Workshop).where((Trainee.id == trainee_id) & issued_condition()).first()


def trainee_for_verify_token(token: str):
    """Return the issued certificate a QR code's token names, or None."""
    if not token or len(token) > 64:
        return None
    return Trainee.select(Trainee, Workshop).join(Workshop).where((Trainee.verify_token == token) & issued_condition()).first()


def trainee_for_number(number: str, name: str):
    """Return the issued certificate with this number and holder's name, or None."""
    number = compact_number(number)
    if not number or len(number) > 32:
        return None
    return (
        Trainee.select(Trainee, Workshop)
        .join(Workshop)
        .where((Trainee.certificate_number == number) & (Trainee.name == normalise_name(name)) & issued_condition())
        .first()
    )


def mask_name(name: str) -> str:
    """Keep the first character, and the last one of names with three or more characters: 张*, 张*丰, 欧**娜."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
