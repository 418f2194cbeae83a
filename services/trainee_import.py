"""Reading and checking a trainee list workbook (.xlsx) without touching the database.

``check_workbook`` first checks the file as a container: its size, the number
of zip entries and their uncompressed size, OLE2 files (.xls and
password-protected workbooks) and renamed text files. Then it reads the sheet
with openpyxl in read-only mode, finds the header row, normalises and checks
every row, and collects every problem. The import is all or nothing, so the caller saves the rows only when
``accept`` is true.

File-level problems carry the reason kind ``file_format`` (the file cannot be
read as a trainee list: wrong type, too large, too many rows) or ``header``.
"""

import contextlib
import gc
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import gettext as _
from openpyxl import load_workbook

from . import trainee_rows as tr
from .idnumbers import normalise_text

logger = logging.getLogger(__name__)

# Excel's last row; a sheet that claims rows beyond it is malformed.
EXCEL_MAX_ROWS = 1_048_576
HEADER_SEARCH_ROWS = 30
HEADER_SEARCH_COLUMNS = 60
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_UNCOMPRESSED = 300 * 1024 * 1024
# Parts that unpack to more than RATIO_CHECK_FROM bytes may grow at most this
# many times over their packed size. Sheets like those Excel saves pack 10 to
# 20 times smaller (measured with deflate level 6), even when formatted down to
# the last row. Runs of blanks or zeros pack about a thousand times smaller.
ZIP_MAX_RATIO = 100
RATIO_CHECK_FROM = 1024 * 1024
PROGRESS_EVERY = 500

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names inside OLE2 files, stored as UTF-16LE.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_XLS_WORKBOOK = "Workbook".encode("utf-16-le")
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Row starts and value ends in sheet XML, for counting filled rows without parsing.
_ROW_START = re.compile(rb"<(?:\w+:)?row[\s>/]")
_VALUE_END = re.compile(rb"</(?:\w+:)?(?:v|is)>")
_NOT_A_MARK = re.compile(rb"[^\x01\x02]+")
_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
# Shared strings allowed beyond two per cell with a value.
SHARED_STRINGS_SLACK = 10_000

_HEADER_ALIASES = {
    tr.FIELD_NAME: {"姓名", "学员姓名"},
    tr.FIELD_HOURS: {"完成学时", "学时", "完成学时数"},
    tr.FIELD_ID: {"身份证号", "身份证号码", "证件号码", "身份证号/证件号码", "身份证号（证件号码）"},
    tr.FIELD_PHONE: {"联系电话", "手机号", "手机号码", "电话"},
    tr.FIELD_TYPE: {"证件类型"},
}
_HEADER_NOISE = re.compile(r"[\s*＊]|[（(](必填|选填|可选)[)）]")


@dataclass(frozen=True)
class RowError:
    row: int | None
    field: str | None
    kind: str
    message: str
    duplicate_of: int | None = None

    def to_json(self) -> dict:
        data = {"row": self.row, "field": self.field, "reason_kind": self.kind, "message": self.message}
        if self.kind == tr.DUPLICATE:
            data["duplicate_of"] = self.duplicate_of
        return data


class TraineeRow(NamedTuple):
    row: int
    values: tr.TraineeValues


@dataclass
class ImportCheck:
    """The outcome of reading one workbook: the good rows, every error, and where the data sat."""

    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    sheet: str | None = None
    header_row: int | None = None
    columns: dict = field(default_factory=dict)
    last_row: int = 0
    # Rows the sheet claims to have; only an estimate for progress reports.
    declared_rows: int | None = None

    @property
    def accept(self) -> bool:
        return not self.errors

    @property
    def flags(self) -> list[dict]:
        return [
            {"row": item.row, "document_type": item.values.document_type} for item in self.rows if item.values.needs_verification
        ]

    def to_json(self, rows_added: int | None = None) -> dict:
        """Return the result of the command-line check and of the web import as plain data."""
        if rows_added is None:
            rows_added = len(self.rows) if self.accept else 0
        return {
            "accept": self.accept,
            "rows": rows_added,
            "errors": [error.to_json() for error in self.errors],
            "flags": self.flags,
        }


class FileRejected(Exception):
    """A problem of the whole file; carries the RowError to report."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.error = RowError(None, None, kind, message)


def row_message(row: int, column: str, raw, problem: tr.Problem) -> str:
    """Build the sentence users see for one bad cell: row, column, the value as read, and the fix."""
    if tr.is_blank(raw):
        return _("Row %(row)d, column “%(column)s” is empty: %(problem)s", row=row, column=column, problem=problem.text)
    return _(
        "Row %(row)d, column “%(column)s”, value “%(value)s”: %(problem)s",
        row=row,
        column=column,
        value=tr.display(raw),
        problem=problem.text,
    )


# File-level checks, before openpyxl opens anything.


def _not_a_workbook(message):
    return FileRejected(tr.FILE_FORMAT, message)


def _check_ole2(data: bytes):
    if _ENCRYPTED_PACKAGE in data:
        raise _not_a_workbook(
            _(
                "The workbook is protected by a password. Remove the password in Excel (File, Info, Protect Workbook) and upload it again."
            )
        )
    if _XLS_WORKBOOK in data:
        raise _not_a_workbook(
            _(
                "This is an Excel 97-2003 workbook (.xls). Open it in Excel, save it as “Excel Workbook (*.xlsx)” and upload that file."
            )
        )
    raise _not_a_workbook(
        _("The file is an old Office document, not an Excel workbook. Fill in the import template and upload it.")
    )


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def check_container(data: bytes, max_bytes: int) -> zipfile.ZipFile:
    """Raise FileRejected unless ``data`` is a plausible .xlsx; return the open zip archive."""
    if not data:
        raise _not_a_workbook(_("The file is empty. Fill in the import template and upload it."))
    if len(data) > max_bytes:
        raise _not_a_workbook(
            _("The file is larger than the limit of %(limit)d MB. Split the list into smaller files.", limit=max_bytes // 2**20)
        )
    if data.startswith(_OLE2):
        _check_ole2(data)
    if not data.startswith(b"PK\x03\x04"):
        if _looks_like_text(data):
            raise _not_a_workbook(
                _(
                    "The file is a text or CSV file renamed to .xlsx, not an Excel workbook. Open it in Excel and "
                    "save it as “Excel Workbook (*.xlsx)”."
                )
            )
        raise _not_a_workbook(_("The file is not an Excel workbook (.xlsx). Fill in the import template and upload it."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_a_workbook(_("The file is damaged and cannot be opened as a workbook. Save it again in Excel.")) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_a_workbook(_("The file is a zip archive or another Office document, not an Excel workbook (.xlsx)."))
    inflated = any(e.file_size > RATIO_CHECK_FROM and e.file_size > ZIP_MAX_RATIO * max(e.compress_size, 1) for e in entries)
    if len(entries) > ZIP_MAX_ENTRIES or sum(entry.file_size for entry in entries) > ZIP_MAX_UNCOMPRESSED or inflated:
        raise _not_a_workbook(
            _("The workbook unpacks to more parts or data than a trainee list can need. Copy the list into the import template.")
        )
    return archive


def has_formulas(archive: zipfile.ZipFile) -> bool:
    """Tell whether any worksheet contains a formula element, by scanning the XML text without parsing it."""
    for entry in archive.infolist():
        if not entry.filename.startswith("xl/worksheets/"):
            continue
        with archive.open(entry) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                if _FORMULA_ELEMENT.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def _upper_bounds(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """Return numbers at least as large as the rows and the value cells of a sheet part.

    Counting tag names with bytes.count costs little beside the unpacking.
    A tag cut by a chunk border is missed, so each chunk adds one to both.
    """
    rows = cells = 0
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            rows += chunk.count(b"<row") + chunk.count(b":row") + 1
            cells += chunk.count(b"</v>") + chunk.count(b"</is>") + chunk.count(b":v>") + chunk.count(b":is>") + 1
    return rows, cells


def scan_sheet(archive: zipfile.ZipFile, part: str, stop_after: int) -> tuple[int, int]:
    """Count the rows of a sheet part that hold a value in any cell, and the cells with a value.

    A quick count of tags gives upper bounds; when they stay within
    ``stop_after`` they are returned as they are. Otherwise the XML is read
    as text again: every row start becomes the byte 0x02 and every value end
    0x01, and a row followed directly by a value is a filled row. That count
    stops once the rows pass ``stop_after``, so that a sheet of a million rows
    is refused after reading the first tenth of it instead of after parsing a
    hundred thousand rows with openpyxl.
    """
    rows, cells = _upper_bounds(archive, part)
    if rows <= stop_after:
        return rows, cells
    rows = cells = 0
    carry = b""
    open_row = b""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(1 << 20)
            text, carry = carry + chunk, b""
            if chunk:
                # Keep a tag cut in two by the chunk border for the next round.
                cut = text.rfind(b"<", max(len(text) - 64, 0))
                if cut >= 0:
                    text, carry = text[:cut], text[cut:]
            text = text.translate(None, b"\x01\x02")
            marks = open_row + _NOT_A_MARK.sub(b"", _VALUE_END.sub(b"\x01", _ROW_START.sub(b"\x02", text)))
            rows += marks.count(b"\x02\x01")
            cells += marks.count(b"\x01")
            open_row = b"\x02" if marks.endswith(b"\x02") else b""
            if rows > stop_after or not chunk:
                return rows, cells


def _count_elements(archive: zipfile.ZipFile, part: str, pattern: re.Pattern) -> int:
    count = 0
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            text = tail + chunk
            cut = text.rfind(b"<", max(len(text) - 64, 0))
            text, tail = (text[:cut], text[cut:]) if cut >= 0 else (text, b"")
            count += len(pattern.findall(text))
    return count


def _check_row_counts(archive: zipfile.ZipFile, max_rows: int):
    """Refuse a workbook with a sheet of more filled rows than one import accepts, before openpyxl parses any sheet.

    openpyxl parses a whole sheet when the workbook is opened if the sheet
    lacks a <dimension> element, so the count runs on every worksheet part.
    The rows above the header are allowed for in HEADER_SEARCH_ROWS.

    openpyxl also reads every shared string into memory when it opens the
    workbook, about 140 bytes and 10 microseconds each. A workbook needs no
    more shared strings than it has cells with a value, so a table of
    millions of strings behind a sheet of a few cells is refused here too.

    Returns, per worksheet part, its count of filled rows or an upper bound
    of it within the limit.
    """
    limit = max_rows + HEADER_SEARCH_ROWS
    value_cells = 0
    counts = {}
    others = []
    for entry in archive.infolist():
        if not entry.filename.endswith(".xml"):
            continue
        if not entry.filename.startswith("xl/worksheets/"):
            others.append(entry.filename)
            continue
        rows, cells = scan_sheet(archive, entry.filename, limit)
        counts[entry.filename] = rows
        if rows > limit:
            raise _not_a_workbook(
                _(
                    "A sheet of the workbook has more than %(limit)d filled rows; one import accepts at most "
                    "%(limit)d trainees. Split the list into several files and leave no other large sheet in them.",
                    limit=max_rows,
                )
            )
        value_cells += cells
    strings = sum(_count_elements(archive, name, _SHARED_STRING) for name in others)
    if strings > 2 * value_cells + SHARED_STRINGS_SLACK:
        raise _not_a_workbook(
            _("The workbook unpacks to more parts or data than a trainee list can need. Copy the list into the import template.")
        )
    return counts


def _check_sheet_row_count(archive: zipfile.ZipFile, counts: dict, sheet, header_row: int, max_rows: int):
    """Refuse the list sheet when more rows below its header hold entries than one import accepts.

    The count from ``_check_row_counts`` may be an upper bound, so only a
    count over the limit is checked again, exactly.
    """
    part = (getattr(sheet, "_worksheet_path", None) or "").lstrip("/")
    limit = max_rows + header_row
    if part in counts and counts[part] > limit and scan_sheet(archive, part, limit)[0] > limit:
        raise _not_a_workbook(
            _(
                "Below the header of sheet “%(sheet)s”, more than %(limit)d rows hold entries; one import accepts at most "
                "%(limit)d trainees. Split the list into several files.",
                sheet=sheet.title,
                limit=max_rows,
            )
        )


# Reading the sheet.


def _header_key(value) -> str:
    return _HEADER_NOISE.sub("", normalise_text(value)) if isinstance(value, str) else ""


def _header_columns(values) -> dict:
    columns = {}
    for index, value in enumerate(values, start=1):
        key = _header_key(value)
        for name, aliases in _HEADER_ALIASES.items():
            if key in aliases and name not in columns:
                columns[name] = index
    return columns


def find_header(workbook):
    """Return (sheet, header row, {field: column}) of the first sheet with the template headers."""
    best = (None, 0, {})
    for sheet in workbook.worksheets:
        if not hasattr(sheet, "iter_rows"):
            continue
        # Read-only sheets trust the dimension the file declares; forget it so that no row is lost.
        sheet.declared_rows = sheet.max_row
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=HEADER_SEARCH_COLUMNS, values_only=True)
        for number, values in enumerate(rows, start=1):
            columns = _header_columns(values)
            if all(name in columns for name in tr.REQUIRED_HEADERS):
                return sheet, number, columns
            if len(columns) > len(best[2]):
                best = (sheet, number, columns)
    found = [name for name in tr.REQUIRED_HEADERS if name in best[2]]
    if found:
        missing = [name for name in tr.REQUIRED_HEADERS if name not in best[2]]
        message = _(
            "Row %(row)d of sheet “%(sheet)s” has the columns %(found)s but not %(missing)s. Name the columns "
            "exactly as in the import template.",
            row=best[1],
            sheet=best[0].title,
            found="、".join(found),
            missing="、".join(missing),
        )
    else:
        message = _(
            "No row with the columns %(headers)s was found in the first %(rows)d rows. Use the import template.",
            headers="、".join(tr.REQUIRED_HEADERS),
            rows=HEADER_SEARCH_ROWS,
        )
    raise FileRejected(tr.HEADER, message)


def formula_cells(data: bytes, sheet_title: str, first_row: int, columns: dict) -> set:
    """(row, column) of the formula cells in the template columns, read with formulas kept."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = workbook[sheet_title]
        sheet.reset_dimensions()
        wanted = set(columns.values())
        found = set()
        for cells in sheet.iter_rows(min_row=first_row, max_col=max(wanted)):
            for cell in cells:
                if getattr(cell, "data_type", None) == "f" and cell.column in wanted:
                    found.add((cell.row, cell.column))
        return found
    finally:
        workbook.close()


class _RowChecker:
    """Checks the data rows one by one and remembers the ID numbers already seen."""

    def __init__(self, check: ImportCheck, formulas: set):
        self.check = check
        self.formulas = formulas
        self.seen = {}

    def add(self, row_number: int, raw: dict):
        problems = []
        if self.formulas:
            problems = [
                (name, tr.formula_problem())
                for name, column in self.check.columns.items()
                if (row_number, column) in self.formulas and tr.is_blank(raw.get(name))
            ]
        formula_fields = {name for name, _problem in problems}
        values, found = tr.check_values(raw)
        problems += [(name, problem) for name, problem in found if name not in formula_fields]
        if values.number is not None:
            first = self.seen.setdefault(values.number, row_number)
            if first != row_number:
                problems.append((tr.FIELD_ID, tr.duplicate_in_file(first)))
        for name, problem in problems:
            shown = raw.get(name) if problem.kind != tr.FORMULA else None
            message = row_message(row_number, name, shown, problem)
            duplicate_of = self.seen[values.number] if problem.kind == tr.DUPLICATE else None
            self.check.errors.append(RowError(row_number, name, problem.kind, message, duplicate_of))
        if not problems:
            self.check.rows.append(TraineeRow(row_number, values))


def _read_rows(sheet, check: ImportCheck, formulas: set, max_rows: int, progress):
    checker = _RowChecker(check, formulas)
    estimate = None
    if check.declared_rows and check.declared_rows < EXCEL_MAX_ROWS:
        estimate = max(check.declared_rows - check.header_row, 0)
    columns = check.columns
    width = max(columns.values())
    data_rows = 0

    # openpyxl fills gaps between stored rows with empty tuples; skipping them
    # by a tuple comparison keeps a sheet formatted down to row 1,048,576 fast.
    empty = (None,) * width
    rows = sheet.iter_rows(min_row=check.header_row + 1, max_col=width, values_only=True)
    for row_number, values in enumerate(rows, start=check.header_row + 1):
        if row_number > EXCEL_MAX_ROWS:
            raise _not_a_workbook(_("The sheet claims more rows than Excel allows. Save the file again in Excel."))
        if values == empty and not formulas:
            continue

        raw = {name: values[column - 1] if column <= len(values) else None for name, column in columns.items()}
        if all(tr.is_blank(value) for value in raw.values()) and not any((row_number, c) in formulas for c in columns.values()):
            continue
        data_rows += 1
        if data_rows > max_rows:
            raise _not_a_workbook(
                _(
                    "The list has more than %(limit)d trainees, the most one import accepts. Split it into several files.",
                    limit=max_rows,
                )
            )

        check.last_row = row_number
        checker.add(row_number, raw)
        if progress and data_rows % PROGRESS_EVERY == 0:
            progress(data_rows, estimate)
    if progress:
        progress(data_rows, data_rows)


def _read_workbook(data: bytes, archive: zipfile.ZipFile, check: ImportCheck, max_rows: int, progress):
    row_counts = _check_row_counts(archive, max_rows)
    with_formulas = has_formulas(archive)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet, check.header_row, check.columns = find_header(workbook)
        check.sheet = sheet.title
        check.declared_rows = getattr(sheet, "declared_rows", None)
        _check_sheet_row_count(archive, row_counts, sheet, check.header_row, max_rows)
        formulas = formula_cells(data, sheet.title, check.header_row + 1, check.columns) if with_formulas else set()
        _read_rows(sheet, check, formulas, max_rows, progress)
    finally:
        workbook.close()


@contextlib.contextmanager
def collection_paused():
    """Pause the cyclic garbage collector while an import allocates its rows.

    Collections scan every object the import keeps again and again as the
    rows accumulate: about a sixth of the check of 100,000 rows. The pause is
    process-wide, so other threads' cyclic garbage is only freed later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_into(check: ImportCheck, data: bytes, max_rows: int, max_bytes: int, progress) -> None:
    """Read the workbook into ``check``. A file-level problem becomes its only error."""
    try:
        archive = check_container(data, max_bytes)
        try:
            _read_workbook(data, archive, check, max_rows, progress)
        except FileRejected:
            raise
        except Exception as error:
            # Parts can fail anywhere while they are read: a damaged deflate
            # stream, a CRC mismatch, an unsupported compression method or
            # malformed XML deep in the sheet, each with its own exception type.
            logger.warning("Trainee workbook could not be read, %s raised", type(error).__name__)
            raise _not_a_workbook(_("The workbook is damaged and cannot be read. Save it again in Excel as .xlsx.")) from None
    except FileRejected as rejected:
        check.rows = []
        check.errors = [rejected.error]


def check_workbook(data: bytes, *, max_rows: int, max_bytes: int, progress=None) -> ImportCheck:
    """Read and check a trainee list; file-level problems come back as a single error.

    ``progress``, when given, is called with the number of data rows read so
    far and an estimate of their total (None when the file gives none).
    """
    check = ImportCheck()
    with collection_paused():
        _check_into(check, data, max_rows, max_bytes, progress)
    if not check.errors and not check.rows:
        check.errors = [
            RowError(None, None, tr.FILE_FORMAT, _("The list holds no trainees below the header row. Fill in at least one row."))
        ]
    return check
