"""Normalising and checking resident ID numbers (GB 11643-1999) and other documents."""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric

# First two digits of resident ID numbers: provinces, autonomous regions,
# municipalities, and the Hong Kong (81), Macao (82) and Taiwan (71, 83)
# residence permits.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip

# Whitespace that survives str.strip() or hides inside copied cells.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000\u202f\u2007"), " ")

_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_OLD_ID = re.compile(r"^\d{15}$")


def normalise_text(value) -> str:
    """Text of a cell with full-width characters folded and every kind of space trimmed."""
    if value is None:
        return ""
    text = str(value).translate(_INVISIBLE)
    text = unicodedata.normalize("NFKC", text)
    return text.strip()


def compact_number(value) -> str:
    """A document number with inner spaces removed and letters upper-cased."""
    return re.sub(r"\s+", "", normalise_text(value)).upper()


@dataclass(frozen=True)
class IdProblem:
    """Why a resident ID number is invalid: ``kind`` is a stable code for tests and tools."""

    kind: str


def check_resident_id(number: str, today: datetime.date | None = None) -> IdProblem | None:
    """Return the first problem of an already compacted resident ID number, or None."""
    if _OLD_ID.match(number):
        return IdProblem("old_id")
    if not _RESIDENT_ID.match(number):
        return IdProblem("format")
    if number[:2] not in PROVINCE_CODES:
        return IdProblem("region")
    # The number is already compact, so the date is read directly: stdnum's
    # get_birth_date cleans it again character by character, which costs
    # about half of a row's checks in a large import.
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdProblem("birth_date")
    if birth > (today or datetime.date.today()) or birth.year < 1900:
        return IdProblem("birth_date")
    if ric.calc_check_digit(number) != number[-1]:
        return IdProblem("checksum")
    return None


def mask(number: str) -> str:
    """Keep the first 6 and last 4 characters, as shown on screens and certificates."""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 2, 0)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def with_check_digit(first17: str) -> str:
    """Complete 17 digits with their MOD 11-2 check character (used for synthetic data)."""
    return first17 + ric.calc_check_digit(first17 + "0")
