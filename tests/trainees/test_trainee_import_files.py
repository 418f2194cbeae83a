"""Reading trainee workbooks: file-level checks, header detection, normalisation and the marked workbook."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from services import trainee_import, trainee_workbooks
from services.trainee_import import check_workbook
from tests.trainees.conftest import HEADER, resident_id, valid_rows, workbook_bytes

LIMIT = 30 * 1024 * 1024


def check(data, max_rows=1000, max_bytes=LIMIT):
    return check_workbook(data, max_rows=max_rows, max_bytes=max_bytes)


def kinds(result):
    return [(e.row, e.field, e.kind) for e in result.errors]


def only_error(result):
    assert len(result.errors) == 1, kinds(result)
    return result.errors[0]


def ole2(stream_name: str) -> bytes:
    """The start of an OLE2 compound file whose directory names ``stream_name``."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream_name.encode("utf-16-le") + b"\x00" * 512


def zip_with(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# File-level refusals


@pytest.mark.parametrize(
    "data, words",
    [
        (ole2("Workbook"), "97-2003"),
        (ole2("EncryptedPackage"), "密码"),
        (ole2("WordDocument"), "旧版 Office"),
        ("姓名,完成学时,身份证号,联系电话\n张三,40,110105198001010016,13800000000\n".encode(), "CSV"),
        ("姓名,完成学时\n张三,40\n".encode("gb18030"), "CSV"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "不是 Excel 工作簿"),
        (zip_with({"a.txt": b"hello"}), "压缩包"),
        (b"", "文件为空"),
    ],
)
def test_file_that_is_no_xlsx_refused(app, data, words):
    error = only_error(check(data))
    assert (error.row, error.field, error.kind) == (None, None, "file_format")
    assert words in error.message


def test_file_over_size_limit_refused(app):
    data = workbook_bytes(valid_rows(3))
    assert check(data, max_bytes=len(data)).accept
    error = only_error(check(data, max_bytes=len(data) - 1))
    assert error.kind == "file_format"
    assert "大小上限" in error.message


def test_zip_entry_count_checked_before_opening(app):
    entries = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    entries.update({f"xl/media/image{i}.png": b"x" for i in range(trainee_import.ZIP_MAX_ENTRIES)})
    error = only_error(check(zip_with(entries)))
    assert error.kind == "file_format"
    assert "解压" in error.message


def test_zip_uncompressed_size_checked_before_opening(app, monkeypatch):
    monkeypatch.setattr(trainee_import, "ZIP_MAX_UNCOMPRESSED", 50_000)
    data = workbook_bytes(valid_rows(3))
    padding = zip_with({"xl/padding.bin": b"\x00" * 60_000})
    merged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(merged, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/padding.bin", zipfile.ZipFile(io.BytesIO(padding)).read("xl/padding.bin"))
    error = only_error(check(merged.getvalue()))
    assert error.kind == "file_format"


def test_row_cap_reported_not_truncated(app):
    data = workbook_bytes(valid_rows(6))
    assert check(data, max_rows=6).accept
    result = check(data, max_rows=5)
    error = only_error(result)
    assert error.kind == "file_format"
    assert "5" in error.message
    assert result.rows == []


def test_missing_header_reported(app):
    data = workbook_bytes([["张三", 40]], header=["姓名", "学时数"])
    error = only_error(check(data))
    assert (error.row, error.kind) == (None, "header")
    assert "身份证号" in error.message


def test_header_with_no_rows_refused(app):
    error = only_error(check(workbook_bytes([])))
    assert error.kind == "file_format"


# Finding the data


def test_header_below_title_and_reordered(app):
    header = ["联系电话", "身份证号", "序号", "完成学时", "姓名"]
    rows = [["13800000001", resident_id(1), 1, "40学时", "张三"], [None, resident_id(2), 2, 32, "李四"]]
    result = check(workbook_bytes(rows, header=header, above=[["2026年高研班考核合格学员名单"], []], text_columns=(1, 2)))
    assert result.accept, kinds(result)
    assert result.header_row == 3
    assert [(r.row, r.values.name, str(r.values.hours)) for r in result.rows] == [(4, "张三", "40.0"), (5, "李四", "32.0")]


def test_template_itself_reads_back(app):
    data = trainee_workbooks.template_workbook("人工智能高级研修班")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    for column, value in enumerate(["张三", 40, resident_id(1), "13800000001"], start=1):
        sheet.cell(row=5, column=column, value=value)
    for column, value in enumerate(["JOHN SMITH", 40, "E12345678", "", "护照"], start=1):
        sheet.cell(row=6, column=column, value=value)
    handle = io.BytesIO()
    workbook.save(handle)
    result = check(handle.getvalue())
    assert result.accept, kinds(result)
    assert [r.row for r in result.rows] == [5, 6]
    assert result.flags == [{"row": 6, "document_type": "passport"}]


def test_template_formats_number_columns_as_text(app):
    sheet = load_workbook(io.BytesIO(trainee_workbooks.template_workbook())).active
    header = [cell.value for cell in sheet[trainee_workbooks.TEMPLATE_HEADER_ROW]]
    assert header[:4] == HEADER
    assert sheet["C5"].number_format == "@"
    assert sheet["D5"].number_format == "@"
    assert sheet.data_validations.dataValidation


def test_blank_and_formatting_rows_skipped(app):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["张三", 40, resident_id(1), "13800000001"])
    sheet.append([None, "  ", "\u3000", None])
    sheet.append(["李四", 40, resident_id(2), None])
    for row in range(5, 50):
        sheet.cell(row=row, column=2).number_format = "@"
    handle = io.BytesIO()
    workbook.save(handle)
    result = check(handle.getvalue())
    assert result.accept, kinds(result)
    assert [r.row for r in result.rows] == [2, 4]


def replace_in_sheet(data: bytes, start: str, end: str, replacement: str) -> bytes:
    """Return the workbook with the first text of its first sheet from ``start`` through ``end`` replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                first = text.index(start)
                last = text.index(end, first) + len(end)
                content = (text[:first] + replacement + text[last:]).encode()
            target.writestr(item, content)
    return out.getvalue()


def test_wrong_declared_dimension_loses_no_row(app):
    """A sheet whose <dimension> claims one row still yields all rows (reset_dimensions)."""
    data = replace_in_sheet(workbook_bytes(valid_rows(40)), "<dimension ref=", "/>", '<dimension ref="A1:D2"/>')
    assert load_workbook(io.BytesIO(data), read_only=True).active.max_row == 2
    result = check(data)
    assert len(result.rows) == 40


def test_formula_without_saved_value_reported(app):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["张三", "=30+10", resident_id(1), None])
    sheet.append(["李四", 40, '="1101"&"05198001010024"', None])
    handle = io.BytesIO()
    workbook.save(handle)
    result = check(handle.getvalue())
    assert kinds(result) == [(2, "完成学时", "formula"), (3, "身份证号", "formula")]
    assert "公式" in result.errors[0].message


def test_formula_with_saved_value_uses_value(app):
    data = workbook_bytes([["张三", 40, resident_id(1), None]])
    data = replace_in_sheet(data, '<c r="B2"', "</c>", '<c r="B2"><f>30+10</f><v>40</v></c>')
    result = check(data)
    assert result.accept, kinds(result)
    assert str(result.rows[0].values.hours) == "40.0"


# Row checks with the messages users see


@pytest.mark.parametrize(
    "row, field, kind",
    [
        ([None, 40, resident_id(1), None], "姓名", "empty"),
        (["名" * 51, 40, resident_id(1), None], "姓名", "length"),
        (["张三", None, resident_id(1), None], "完成学时", "empty"),
        (["张三", 0, resident_id(1), None], "完成学时", "hours"),
        (["张三", "四十", resident_id(1), None], "完成学时", "hours"),
        (["张三", 40, None, None], "身份证号", "empty"),
        (["张三", 40, "11010519800101001", None], "身份证号", "format"),
        (["张三", 40, "110105800101001", None], "身份证号", "old_id"),
        (["张三", 40, resident_id(1, region="990105"), None], "身份证号", "region"),
        (["张三", 40, resident_id(1, birth="20990101"), None], "身份证号", "birth_date"),
        (["张三", 40, resident_id(1), "12345"], "联系电话", "phone"),
    ],
)
def test_row_problem_kind_and_message(app, row, field, kind):
    result = check(workbook_bytes([row]))
    error = only_error(result)
    assert (error.row, error.field, error.kind) == (2, field, kind)
    assert error.message.startswith(f"第 2 行“{field}”列")


def test_message_quotes_value_as_read(app):
    error = only_error(check(workbook_bytes([["张三", "四十", resident_id(1), None]])))
    assert "读到的值为“四十”" in error.message


def test_normalisation_before_checks(app):
    number = resident_id(1, birth="19800101")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    rows = [
        ["\u200b 阿依古丽•买买提 \u00a0", "40 学时", f" {full_width}\u3000", "138 0000 0001"],
        ["王　伟", "32.5", resident_id(7)[:-1] + resident_id(7)[-1].lower(), "+86 13800000002"],
    ]
    result = check(workbook_bytes(rows))
    assert result.accept, kinds(result)
    first, second = (r.values for r in result.rows)
    assert (first.name, first.number, first.phone, str(first.hours)) == ("阿依古丽·买买提", number, "13800000001", "40.0")
    assert (second.name, second.phone, str(second.hours)) == ("王伟", "13800000002", "32.5")


def test_name_outside_bmp_kept(app):
    result = check(workbook_bytes([["𠮷野家", 40, resident_id(1), None]]))
    assert result.rows[0].values.name == "𠮷野家"


@pytest.mark.parametrize(
    "number, declared, document_type",
    [
        ("E12345678", None, "passport"),
        ("H12345678", None, "hk_macao"),
        ("X1234567Z9", "护照", "passport"),
        ("12345678", "台湾居民来往大陆通行证", "taiwan"),
    ],
)
def test_other_documents_accepted_and_flagged(app, number, declared, document_type):
    header = [*HEADER, "证件类型"]
    result = check(workbook_bytes([["JOHN SMITH", 40, number, None, declared]], header=header))
    assert result.accept, kinds(result)
    assert result.flags == [{"row": 2, "document_type": document_type}]


def test_unknown_document_type_refused(app):
    header = [*HEADER, "证件类型"]
    error = only_error(check(workbook_bytes([["张三", 40, "E12345678", None, "驾驶证"]], header=header)))
    assert (error.field, error.kind) == ("证件类型", "format")


def test_every_bad_row_reported(app):
    rows = valid_rows(5)
    rows[1][0] = None
    rows[3][1] = -2
    rows[4][2] = rows[0][2]
    result = check(workbook_bytes(rows))
    assert kinds(result) == [(3, "姓名", "empty"), (5, "完成学时", "hours"), (6, "身份证号", "duplicate")]
    assert result.errors[2].duplicate_of == 2
    assert result.rows == [] or not result.accept


# Marked workbook


def _marked_cells(data):
    sheet = load_workbook(io.BytesIO(data)).active
    return {cell.coordinate: cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment}


def test_marked_workbook_in_place_keeps_other_cells(app):
    rows = valid_rows(3)
    rows[1][1] = "abc"
    data = workbook_bytes(rows)
    result = check(data)
    marked = trainee_workbooks.marked_workbook(data, result)
    cells = _marked_cells(marked)
    assert list(cells) == ["B3"]
    assert "第 3 行" in cells["B3"]
    assert load_workbook(io.BytesIO(marked)).active["C2"].value == rows[0][2]


def test_marked_workbook_streaming_for_large_sheets(app, monkeypatch):
    monkeypatch.setattr(trainee_workbooks, "MARK_IN_PLACE_MAX_BYTES", 0)
    rows = valid_rows(3)
    rows[2][2] = "11010519800101001X"
    data = workbook_bytes(rows)
    result = check(data)
    marked = trainee_workbooks.marked_workbook(data, result)
    sheet = load_workbook(io.BytesIO(marked)).active
    assert list(_marked_cells(marked)) == ["C4"]
    assert sheet["C3"].value == rows[1][2]
    assert sheet["C3"].data_type == "s"
    assert sheet["C3"].number_format == "@"
