"""Normalising and checking the fields of one trainee, for imports and single edits alike.

Each check returns the normalised value and, when the value is unusable, a
``Problem``: a reason kind (a stable code for tests and tools) and a Chinese
sentence that names what is wrong and how to fix it.
"""

import datetime
import decimal
import re
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import gettext as _

from models import DocumentType

from .idnumbers import check_resident_id, compact_number, normalise_text

# Column headers of the import template. They are part of the file format, so
# they stay the same whatever the interface language.
FIELD_NAME = "姓名"
FIELD_HOURS = "完成学时"
FIELD_ID = "身份证号"
FIELD_PHONE = "联系电话"
FIELD_TYPE = "证件类型"
REQUIRED_HEADERS = (FIELD_NAME, FIELD_HOURS, FIELD_ID, FIELD_PHONE)
FIELDS = (*REQUIRED_HEADERS, FIELD_TYPE)

# Names of the document types as written in the template's 证件类型 column.
DOCUMENT_TYPE_NAMES = {
    DocumentType.RESIDENT_ID: "居民身份证",
    DocumentType.PASSPORT: "护照",
    DocumentType.HK_MACAO: "港澳居民来往内地通行证",
    DocumentType.TAIWAN: "台湾居民来往大陆通行证",
}
_DOCUMENT_TYPE_ALIASES = {
    **{name: code for code, name in DOCUMENT_TYPE_NAMES.items()},
    "身份证": DocumentType.RESIDENT_ID,
    "二代身份证": DocumentType.RESIDENT_ID,
    "港澳居民居住证": DocumentType.RESIDENT_ID,
    "台湾居民居住证": DocumentType.RESIDENT_ID,
    "港澳台居民居住证": DocumentType.RESIDENT_ID,
    "回乡证": DocumentType.HK_MACAO,
    "港澳回乡证": DocumentType.HK_MACAO,
    "台胞证": DocumentType.TAIWAN,
}

MAX_NAME_LENGTH = 50
MAX_HOURS = decimal.Decimal(1000)

# Reason kinds. The tests and the command-line check use these codes.
EMPTY, LENGTH, FORMAT, CHECKSUM, BIRTH_DATE, REGION = "empty", "length", "format", "checksum", "birth_date", "region"
DUPLICATE, HOURS, PHONE, PRECISION, OLD_ID, FORMULA = "duplicate", "hours", "phone", "precision", "old_id", "formula"
FILE_FORMAT, HEADER = "file_format", "header"

_DOCUMENT_PATTERNS = {
    DocumentType.PASSPORT: re.compile(r"^(?=.*\d)[A-Z0-9]{5,20}$"),
    DocumentType.HK_MACAO: re.compile(r"^[HM]\d{8}(\d{2})?$"),
    DocumentType.TAIWAN: re.compile(r"^(\d{8}|\d{10}|[A-Z]\d{9})$"),
}
# Shapes recognised without a 证件类型 entry: Hong Kong or Macao permits, and
# Chinese or foreign passports of one or two letters followed by digits.
_DETECTED = (
    (DocumentType.HK_MACAO, re.compile(r"^[HM]\d{8}(\d{2})?$")),
    (DocumentType.PASSPORT, re.compile(r"^[A-Z]{1,2}\d{6,9}$")),
)

_MOBILE = re.compile(r"^(?:\+?86-?)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^(?:\(0\d{2,3}\)|0\d{2,3}-?)\d{7,8}(?:-\d{1,6})?$")
_HOURS_TEXT = re.compile(r"^(\d+(?:\.\d+)?)(?:个)?(?:学时|小时|课时|h)?$", re.IGNORECASE)

# Invisible and unusual spaces that survive str.strip() in copied cells.
_SPACES = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000\u202f\u2007\t\r\n"), " ")
# Full-width ASCII folded to ASCII, except the full-width full stop handled below.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if code != 0xFF0E}
# Look-alikes of the middle dot in minority names (such as 阿依古丽·买买提).
_DOTS = dict.fromkeys(map(ord, "•・．‧∙⋅･"), "·")
_NAME_TABLE = {**_SPACES, **_FULL_WIDTH, **_DOTS}
_CJK = r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f·]"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_CJK}) (?={_CJK})")


@dataclass(frozen=True)
class Problem:
    kind: str
    text: str


class TraineeValues(NamedTuple):
    """One trainee's normalised values; a field is None when its check failed.

    A tuple of atomic values, so that the garbage collector stops tracking it:
    a large import keeps 100,000 of them alive while openpyxl allocates heavily.
    """

    name: str | None = None
    hours: decimal.Decimal | None = None
    number: str | None = None
    document_type: str | None = None
    phone: str | None = None

    @property
    def needs_verification(self) -> bool:
        return self.document_type != DocumentType.RESIDENT_ID


_INVISIBLE_EDGES = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def is_blank(value) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    # Only a cell made of invisible characters needs the full normalisation.
    if stripped and stripped[0] not in _INVISIBLE_EDGES and stripped[-1] not in _INVISIBLE_EDGES:
        return False
    return not normalise_text(stripped)


def display(value) -> str:
    """Format a cell value as the user would read it in Excel, for messages."""
    if isinstance(value, float):
        return format(value, ".15G")
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != datetime.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip() if value is not None else ""


def normalise_name(value) -> str:
    """Trim and fold a name: full-width letters, odd spaces, look-alike middle dots."""
    if value is None:
        return ""
    text = str(value).translate(_NAME_TABLE).strip()
    if " " not in text:
        return text
    text = re.sub(r" +", " ", text)
    return _SPACE_BETWEEN_CJK.sub("", text)


def check_name(value) -> tuple[str | None, Problem | None]:
    name = normalise_name(value)
    if not name:
        return None, Problem(EMPTY, _("Enter the trainee's name."))
    if len(name) > MAX_NAME_LENGTH:
        return None, Problem(
            LENGTH,
            _(
                "The name has %(length)d characters; at most %(limit)d are allowed. Check that the cell holds only the name.",
                length=len(name),
                limit=MAX_NAME_LENGTH,
            ),
        )
    return name, None


def _hours_problem():
    return Problem(HOURS, _("Enter the completed hours as a number greater than zero, such as 40."))


_TENTH = decimal.Decimal("0.1")
# Whole hours, by far the most common entry, without building a Decimal each time.
_WHOLE_HOURS = {n: decimal.Decimal(n).quantize(_TENTH) for n in range(1, int(MAX_HOURS) + 1)}


def check_hours(value) -> tuple[decimal.Decimal | None, Problem | None]:
    if type(value) is int and value in _WHOLE_HOURS:
        return _WHOLE_HOURS[value], None
    if is_blank(value):
        return None, Problem(EMPTY, _("Enter the completed hours, such as 40."))
    if isinstance(value, bool) or isinstance(value, (datetime.date, datetime.time)):
        return None, _hours_problem()
    if isinstance(value, (int, float)):
        text = repr(value)
    else:
        match = _HOURS_TEXT.match(normalise_text(value).replace(" ", ""))
        if not match:
            return None, _hours_problem()
        text = match.group(1)
    try:
        hours = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None, _hours_problem()
    if not hours.is_finite() or hours <= 0:
        return None, _hours_problem()
    if hours > MAX_HOURS:
        return None, Problem(
            HOURS, _("More than %(limit)s hours is not plausible for one workshop. Check the number.", limit=MAX_HOURS)
        )
    if hours != hours.quantize(decimal.Decimal("0.1")):
        return None, Problem(HOURS, _("Hours may have at most one decimal place, such as 40 or 40.5."))
    return hours.quantize(decimal.Decimal("0.1")), None


def check_phone(value) -> tuple[str | None, Problem | None]:
    """A filled-in phone must be a mobile number or a landline number; blank is allowed."""
    if is_blank(value):
        return "", None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        text = value
    else:
        text = re.sub(r"\s", "", normalise_text(value))
    mobile = _MOBILE.match(text)
    if mobile:
        return mobile.group(1), None
    if _LANDLINE.match(text):
        return text, None
    return None, Problem(
        PHONE,
        _(
            "A phone number is a mobile number (11 digits starting with 1) or a landline number with its area code, "
            "such as 010-12345678. Correct it or leave the cell empty."
        ),
    )


def check_document_type(value) -> tuple[str | None, Problem | None]:
    """Return the document type named in the 证件类型 column, or None when the cell is blank."""
    if is_blank(value):
        return None, None
    key = re.sub(r"\s", "", normalise_text(value))
    code = _DOCUMENT_TYPE_ALIASES.get(key) or (key if key in DOCUMENT_TYPE_NAMES else None)
    if code is None:
        return None, Problem(
            FORMAT, _("Choose one of these document types: %(names)s.", names="、".join(DOCUMENT_TYPE_NAMES.values()))
        )
    return code, None


_RESIDENT_FIXES = {
    "format": lambda number: _(
        "A resident ID number has 17 digits followed by a digit or X. Compare it with the ID card; for a passport or "
        "a Hong Kong, Macao or Taiwan permit, choose the document type in the “%(column)s” column.",
        column=FIELD_TYPE,
    ),
    "old_id": lambda number: _(
        "This is a 15-digit first-generation ID number. Enter the 18-digit number of the current ID card."
    ),
    "region": lambda number: _(
        "No province has the code %(code)s that the number starts with. Compare the first digits with the ID card.",
        code=number[:2],
    ),
    "birth_date": lambda number: _(
        "The birth date %(date)s in the number does not exist or lies in the future. Compare the number with the ID card.",
        date=f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
    ),
    "checksum": lambda number: _(
        "The last character does not match the check character computed from the first 17 digits, so at least one "
        "character is wrong. Compare all 18 characters with the ID card."
    ),
}


def _number_from_cell(value) -> tuple[str | None, Problem | None]:
    """Return the text of a document number cell. A numeric cell is usable only while every digit survived."""
    if isinstance(value, bool) or isinstance(value, (datetime.date, datetime.time)):
        return None, Problem(
            FORMAT, _("The cell holds a date or a truth value, not a document number. Enter the number as text.")
        )
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)), None
        return None, Problem(
            PRECISION,
            _(
                "The cell holds a number, and Excel keeps only 15 significant digits of a number, so the last digits of "
                "the ID number are lost. Format the column as text and type the full number again."
            ),
        )
    if isinstance(value, str) and value.isascii() and value.isalnum():
        return value.upper(), None
    return compact_number(value), None


def check_document_number(value, declared_type=None) -> tuple[str | None, str | None, Problem | None]:
    """Return (number, document type, problem) for a document number cell."""
    if is_blank(value):
        return None, None, Problem(EMPTY, _("Enter the trainee's ID number."))
    number, problem = _number_from_cell(value)
    if problem:
        return None, None, problem
    if declared_type in _DOCUMENT_PATTERNS:
        if _DOCUMENT_PATTERNS[declared_type].match(number):
            return number, declared_type, None
        return (
            None,
            None,
            Problem(
                FORMAT,
                _(
                    "This is not the number of a %(type)s. Compare it with the document, or correct the “%(column)s” column.",
                    type=DOCUMENT_TYPE_NAMES[declared_type],
                    column=FIELD_TYPE,
                ),
            ),
        )
    if declared_type is None and not number[:1].isdigit():
        for code, pattern in _DETECTED:
            if pattern.match(number):
                return number, code, None
    issue = check_resident_id(number)
    if issue is not None:
        return None, None, Problem(issue.kind, _RESIDENT_FIXES[issue.kind](number))
    return number, DocumentType.RESIDENT_ID, None


def check_values(raw: dict) -> tuple[TraineeValues, list[tuple[str, Problem]]]:
    """Check one trainee given as {template column: cell value}; return the values and the problems by column."""
    problems = []
    name, problem = check_name(raw.get(FIELD_NAME))
    if problem:
        problems.append((FIELD_NAME, problem))
    hours, problem = check_hours(raw.get(FIELD_HOURS))
    if problem:
        problems.append((FIELD_HOURS, problem))
    number = document_type = None
    declared, type_problem = check_document_type(raw.get(FIELD_TYPE))
    if type_problem is None:
        number, document_type, problem = check_document_number(raw.get(FIELD_ID), declared)
        if problem:
            problems.append((FIELD_ID, problem))
    phone, problem = check_phone(raw.get(FIELD_PHONE))
    if problem:
        problems.append((FIELD_PHONE, problem))
    if type_problem:
        problems.append((FIELD_TYPE, type_problem))
    return TraineeValues(name, hours, number, document_type, phone), problems


def formula_problem() -> Problem:
    return Problem(
        FORMULA,
        _(
            "The cell holds a formula without a saved result. Open the file in Excel, save it and upload it again, "
            "or replace the formula by its value."
        ),
    )


def duplicate_in_file(first_row: int) -> Problem:
    return Problem(
        DUPLICATE,
        _(
            "The same ID number is already in row %(row)d. Delete the repeated row, or correct the number if two "
            "people were mixed up.",
            row=first_row,
        ),
    )


def duplicate_on_list(name: str) -> Problem:
    return Problem(
        DUPLICATE,
        _(
            "A trainee with this ID number is already on the list (%(name)s). Delete the row, or correct the number.",
            name=name,
        ),
    )
