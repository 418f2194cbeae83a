"""Workbooks written for users: the import template and the uploaded list with its bad cells marked."""

import io
import zipfile
from collections import defaultdict

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from . import trainee_rows as tr

TEMPLATE_SHEET = "学员名单"
TEMPLATE_HEADER_ROW = 4
# Rows below the header that carry data validation in the template.
TEMPLATE_VALIDATED_ROWS = 5000
COMMENT_AUTHOR = "知更"
# Sheets up to this uncompressed size are marked in place, keeping their
# formatting; larger ones are copied cell by cell in streaming mode, because
# openpyxl's normal mode needs about 50 bytes of memory per byte of sheet XML.
MARK_IN_PLACE_MAX_BYTES = 2 * 1024 * 1024

_BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WIDTHS = {tr.FIELD_NAME: 14, tr.FIELD_HOURS: 10, tr.FIELD_ID: 24, tr.FIELD_PHONE: 16, tr.FIELD_TYPE: 26}
_TEXT_COLUMNS = (tr.FIELD_ID, tr.FIELD_PHONE)


def _instructions(workshop_name):
    return [
        _("Trainees who passed: %(name)s", name=workshop_name) if workshop_name else _("Trainees who passed"),
        _(
            "Fill in one trainee per row from row %(row)d on. The ID number and phone columns are formatted as text, so "
            "type or paste the numbers as they are. Blank rows are skipped. Do not change the header row.",
            row=TEMPLATE_HEADER_ROW + 1,
        ),
        _(
            "Leave “%(column)s” empty for resident ID cards. For a passport or a Hong Kong, Macao or Taiwan permit, "
            "choose the document type and enter the document number in the ID number column.",
            column=tr.FIELD_TYPE,
        ),
    ]


def _add_validation(sheet):
    first, last = TEMPLATE_HEADER_ROW + 1, TEMPLATE_HEADER_ROW + TEMPLATE_VALIDATED_ROWS
    rules = [
        (
            "B",
            DataValidation(type="decimal", operator="between", formula1="0.1", formula2=str(tr.MAX_HOURS)),
            _("Completed hours: a number greater than zero, such as 40."),
        ),
        (
            "E",
            DataValidation(type="list", formula1='"' + ",".join(tr.DOCUMENT_TYPE_NAMES.values()) + '"'),
            _("Choose a document type, or leave the cell empty for a resident ID card."),
        ),
        (
            "A",
            DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(tr.MAX_NAME_LENGTH)),
            _("At most 50 characters."),
        ),
    ]
    for column, rule, message in rules:
        rule.allow_blank = True
        rule.error = message
        rule.errorTitle = _("Invalid value")
        rule.showErrorMessage = True
        rule.add(f"{column}{first}:{column}{last}")
        sheet.add_data_validation(rule)


def template_workbook(workshop_name: str = "") -> bytes:
    """The import template: instructions, the header row, text-formatted number columns and data validation."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    for row, text in enumerate(_instructions(workshop_name), start=1):
        sheet.cell(row=row, column=1, value=text)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(tr.FIELDS))
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 20 if row == 1 else 32
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)

    for column, name in enumerate(tr.FIELDS, start=1):
        cell = sheet.cell(row=TEMPLATE_HEADER_ROW, column=column, value=name)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = _WIDTHS[name]
        if name in _TEXT_COLUMNS:
            # The column style makes Excel keep typed numbers as text, so all 18 digits stay.
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(TEMPLATE_HEADER_ROW + 1, TEMPLATE_HEADER_ROW + TEMPLATE_VALIDATED_ROWS + 1):
                sheet.cell(row=row, column=column).number_format = "@"
    _add_validation(sheet)
    sheet.freeze_panes = sheet.cell(row=TEMPLATE_HEADER_ROW + 1, column=1)

    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def _messages_by_cell(check):
    messages = defaultdict(list)
    for error in check.errors:
        if error.row is not None and error.field in check.columns:
            messages[(error.row, check.columns[error.field])].append(error.message)
    return messages


def _sheet_size(data: bytes, sheet_title: str) -> int:
    """Uncompressed size of the largest worksheet part, a stand-in for the sheet's size."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sizes = [e.file_size for e in archive.infolist() if e.filename.startswith("xl/worksheets/")]
    return max(sizes, default=0)


def _comment(messages):
    comment = Comment("\n".join(messages), COMMENT_AUTHOR)
    comment.width = 320
    comment.height = 90 + 40 * len(messages)
    return comment


def _mark_in_place(data, check, messages):
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[check.sheet]
    for (row, column), texts in messages.items():
        cell = sheet.cell(row=row, column=column)
        cell.fill = _BAD_FILL
        cell.comment = _comment(texts)
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def _mark_streaming(data, check, messages):
    source = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    target = Workbook(write_only=True)
    sheet = target.create_sheet(title=check.sheet)
    text_columns = {check.columns[name] for name in _TEXT_COLUMNS if name in check.columns}
    try:
        rows = source[check.sheet].iter_rows(max_row=check.last_row)
        for row_number, cells in enumerate(rows, start=1):
            out = []
            for column, cell in enumerate(cells, start=1):
                value = getattr(cell, "value", None)
                written = WriteOnlyCell(sheet, value=value)
                if getattr(cell, "data_type", None) == "s":
                    # Keep text that starts with "=" as text instead of turning it into a formula.
                    written.data_type = "s"
                if column in text_columns:
                    written.number_format = "@"
                texts = messages.get((row_number, column))
                if texts:
                    written.fill = _BAD_FILL
                    written.comment = _comment(texts)
                out.append(written)
            sheet.append(out)
    finally:
        source.close()
    handle = io.BytesIO()
    target.save(handle)
    return handle.getvalue()


def marked_workbook(data: bytes, check) -> bytes | None:
    """The uploaded workbook with every bad cell filled red and commented; None without row errors."""
    messages = _messages_by_cell(check)
    if not messages or check.sheet is None:
        return None
    if _sheet_size(data, check.sheet) <= MARK_IN_PLACE_MAX_BYTES:
        return _mark_in_place(data, check, messages)
    return _mark_streaming(data, check, messages)
