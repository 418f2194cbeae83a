"""The offline declaration template: an .xlsx to download, fill in and upload back into the form."""

import datetime
import decimal
import io
import logging
import zipfile

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from models import DeclarationYear, ProfessionalField

logger = logging.getLogger(__name__)

# (form field, label in column A, kind). The labels are the template's contract
# with the people who fill it in; the reader finds rows by label, in any order.
ROWS = [
    ("year", "年度", "year"),
    ("name", "项目名称", "text"),
    ("host_unit", "承办单位", "text"),
    ("field", "所属领域", "field"),
    ("is_featured", "是否特色班", "yes_no"),
    ("featured_years", "特色班拟办年限", "integer"),
    ("self_funded", "是否可以自筹经费", "yes_no"),
    ("amount", "金额（万元）", "decimal"),
    ("purpose", "研修目的和作用", "text"),
    ("start_date", "计划开始日期", "date"),
    ("end_date", "计划结束日期", "date"),
    ("place", "地点", "text"),
    ("contact_person", "联系人", "text"),
    ("contact_phone", "联系电话", "text"),
    ("planned_trainees", "计划培训人数", "integer"),
]

TITLE = "高级研修班申报表"
MAX_BYTES = 2 * 1024 * 1024
_YES, _NO = "是", "否"


def build_template() -> bytes:
    """Build the template with drop-down lists for years, fields and yes/no choices."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "申报表"
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A2"] = "请在 B 列填写；日期写作 2026-09-01；是/否 项从下拉列表选择。填好后在“新建申报”页面点“上传”。"
    sheet["A2"].alignment = Alignment(wrap_text=True)
    sheet.merge_cells("A2:B2")
    sheet.row_dimensions[2].height = 32
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 60
    header_fill = PatternFill("solid", fgColor="F2E6E6")

    lists = workbook.create_sheet("选项")
    years = [str(year) for year in DeclarationYear.open_years()]
    fields = [field.name for field in ProfessionalField.in_use()]
    for index, value in enumerate(years, start=1):
        lists.cell(row=index, column=1, value=value)
    for index, value in enumerate(fields, start=1):
        lists.cell(row=index, column=2, value=value)
    lists.sheet_state = "hidden"

    choices = {
        "yes_no": DataValidation(type="list", formula1='"是,否"', allow_blank=True),
        "year": DataValidation(type="list", formula1=f"=选项!$A$1:$A${max(len(years), 1)}", allow_blank=True),
        "field": DataValidation(type="list", formula1=f"=选项!$B$1:$B${max(len(fields), 1)}", allow_blank=True),
    }
    for validation in choices.values():
        sheet.add_data_validation(validation)

    for offset, (_name, label, kind) in enumerate(ROWS):
        row = 4 + offset
        sheet.cell(row=row, column=1, value=label).fill = header_fill
        cell = sheet.cell(row=row, column=2)
        cell.number_format = "@"
        if kind in choices:
            choices[kind].add(cell)
        if kind == "yes_no":
            cell.value = _NO
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


def _convert(kind, raw, label, field_names, messages):
    """Turn one cell into the string the form expects, or add a message and return None."""
    text = _text(raw)
    if not text:
        return ""
    if kind == "yes_no":
        if text not in (_YES, _NO):
            messages.append(_("%(label)s: write 是 or 否 (found “%(value)s”).", label=label, value=text))
            return None
        return "1" if text == _YES else "0"
    if kind in ("year", "integer"):
        if not text.isdigit():
            messages.append(_("%(label)s: write a whole number (found “%(value)s”).", label=label, value=text))
            return None
        return text
    if kind == "decimal":
        try:
            return str(decimal.Decimal(text))
        except decimal.InvalidOperation:
            messages.append(_("%(label)s: write a number such as 12.5 (found “%(value)s”).", label=label, value=text))
            return None
    if kind == "date":
        if isinstance(raw, (datetime.date, datetime.datetime)):
            return _text(raw)
        try:
            return datetime.date.fromisoformat(text.replace("/", "-").replace(".", "-")).isoformat()
        except ValueError:
            messages.append(_("%(label)s: write the date as 2026-09-01 (found “%(value)s”).", label=label, value=text))
            return None
    if kind == "field":
        if text not in field_names:
            messages.append(
                _("%(label)s: “%(value)s” is not in the field list; choose one from the drop-down.", label=label, value=text)
            )
            return None
        return str(field_names[text])
    return text


def read_template(stream) -> tuple[dict, list[str]]:
    """Read a filled template into form data; return (data, messages about unreadable cells)."""
    content = stream.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        return {}, [_("The template file is larger than 2 MB. Upload the filled declaration template.")]
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return {}, [_("The file is not an .xlsx workbook. Download the declaration template, fill it in and upload it.")]
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        by_label = {}
        for row in sheet.iter_rows(min_row=1, max_row=60, max_col=2, values_only=True):
            if row and row[0] is not None:
                by_label[_text(row[0])] = row[1] if len(row) > 1 else None
    finally:
        workbook.close()

    field_names = {f.name: f.id for f in ProfessionalField.select()}
    data, messages = {}, []
    for name, label, kind in ROWS:
        if label not in by_label:
            messages.append(_("%(label)s: the row is missing from the template.", label=label))
            continue
        value = _convert(kind, by_label[label], label, field_names, messages)
        if value is not None:
            data[name] = value
    if not data:
        messages.insert(0, _("No declaration fields were found. Upload the declaration template downloaded from this page."))
    return data, messages
