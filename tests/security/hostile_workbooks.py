"""Hostile files offered as trainee list workbooks, built in memory when the tests ask for them.

Every builder returns the bytes of one file. Each file is one a correct
import refuses: it is no workbook at all, it is damaged or built to exhaust
the reader, or its rows hold a problem that only a reader that reads every
row finds. ``WORKBOOKS`` lists them by name; ``build(name, secret_path)``
makes one, where ``secret_path`` is a local file that the external-entity
variants point at.
"""

import io
import zipfile

from openpyxl import Workbook

from services.idnumbers import with_check_digit

HEADER = ("姓名", "完成学时", "身份证号", "联系电话")
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MB = 1024 * 1024


def resident_id(n: int) -> str:
    return with_check_digit(f"110105198001{n % 28 + 1:02d}{n % 1000:03d}")


# Parts of a hand-made workbook


def content_types(sheet_type=SHEET_TYPE, workbook_type=WORKBOOK_TYPE, strings=False, extra="") -> str:
    strings_part = f'<Override PartName="/{STRINGS}" ContentType="{STRINGS_TYPE}"/>' if strings else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>'
        f'<Override PartName="/{SHEET}" ContentType="{sheet_type}"/>'
        f"{strings_part}{extra}</Types>"
    )


ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
    '<sheets><sheet name="学员名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


def workbook_rels(sheet_target="worksheets/sheet1.xml", strings=False) -> str:
    strings_rel = (
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/>'
        if strings
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="{sheet_target}"/>{strings_rel}</Relationships>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(ref: str, value) -> str:
    """One cell as XML: numbers as values, text as an inline string, raw XML when given as bytes."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{_escape(value)}</t></is></c>'


def row_xml(number: int, values) -> str:
    cells = "".join(
        cell(f"{column}{number}", value) for column, value in zip("ABCDEFGH", values, strict=False) if value is not None
    )
    return f'<row r="{number}">{cells}</row>'


def good_row(n: int):
    return (f"学员{n}", 40, resident_id(n), f"138{n:08d}")


def sheet_xml(rows, dimension=None, prolog="", root_extra="") -> str:
    """A worksheet: the header in row 1 and ``rows`` from row 2 on."""
    body = row_xml(1, HEADER) + "".join(row_xml(number, values) for number, values in enumerate(rows, start=2))
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN_NS}"{root_extra}>'
        f"{dimension_xml}<sheetData>{body}</sheetData></worksheet>"
    )


def package(parts: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def base_parts(sheet: str, strings: str | None = None) -> dict:
    return {
        "[Content_Types].xml": content_types(strings=strings is not None),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": workbook_rels(strings=strings is not None),
        SHEET: sheet,
        **({STRINGS: strings} if strings is not None else {}),
    }


def hand_made(rows, **sheet_options) -> bytes:
    return package(base_parts(sheet_xml(rows, **sheet_options)))


# Entity expansion and external entities


def laughs_dtd(root: str, depth=9, width=10) -> str:
    lines = ['<!ENTITY lol0 "lol">']
    for level in range(1, depth + 1):
        lines.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * width}">')
    return f"<!DOCTYPE {root} [{''.join(lines)}]>"


def quadratic_dtd(root: str, size: int) -> str:
    """One large entity used many times: no nesting, so only the total expansion gives it away."""
    return f'<!DOCTYPE {root} [<!ENTITY big "{"x" * size}">]>'


def sheet_with_entity(prolog: str, reference: str, column=0) -> bytes:
    values = list(good_row(1))
    values[column] = f'<c r="{"ABCD"[column]}2" t="inlineStr"><is><t>{reference}</t></is></c>'.encode()
    return package(base_parts(sheet_xml([values], prolog=prolog)))


def strings_with_entity(prolog: str, reference: str) -> bytes:
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
        f"<si><t>{reference}</t></si></sst>"
    )
    values = list(good_row(1))
    values[0] = b'<c r="A2" t="s"><v>0</v></c>'
    return package(base_parts(sheet_xml([values]), strings=strings))


def billion_laughs_sheet():
    return sheet_with_entity(laughs_dtd("worksheet"), "&lol9;")


def billion_laughs_sheet_in_id_column():
    return sheet_with_entity(laughs_dtd("worksheet"), "&lol9;", column=2)


def billion_laughs_strings():
    return strings_with_entity(laughs_dtd("sst"), "&lol9;")


def billion_laughs_workbook_part():
    workbook = WORKBOOK.replace("<workbook ", laughs_dtd("workbook") + "<workbook ", 1).replace(
        'name="学员名单"', 'name="&lol9;"'
    )
    parts = base_parts(sheet_xml([good_row(1)]))
    parts["xl/workbook.xml"] = workbook
    return package(parts)


def quadratic_blowup_sheet():
    return sheet_with_entity(quadratic_dtd("worksheet", 50_000), "&big;" * 20_000)


def quadratic_blowup_strings():
    return strings_with_entity(quadratic_dtd("sst", 50_000), "&big;" * 20_000)


def xxe_dtd(root: str, secret_path: str) -> str:
    return f'<!DOCTYPE {root} [<!ENTITY leak SYSTEM "file://{secret_path}">]>'


def xxe_sheet(secret_path):
    return sheet_with_entity(xxe_dtd("worksheet", secret_path), "&leak;")


def xxe_strings(secret_path):
    return strings_with_entity(xxe_dtd("sst", secret_path), "&leak;")


def xxe_parameter_entity(secret_path):
    prolog = f'<!DOCTYPE worksheet [<!ENTITY % remote SYSTEM "file://{secret_path}"> %remote;]>'
    return sheet_with_entity(prolog, "四十", column=1)


def xxe_workbook_part(secret_path):
    workbook = WORKBOOK.replace("<workbook ", xxe_dtd("workbook", secret_path) + "<workbook ", 1).replace(
        'name="学员名单"', 'name="&leak;"'
    )
    parts = base_parts(sheet_xml([good_row(1)]))
    parts["xl/workbook.xml"] = workbook
    return package(parts)


# Decompression bombs


def deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _stream_part(archive: zipfile.ZipFile, name: str, head: bytes, filler: bytes, repeat: int, tail: bytes):
    with archive.open(deflated(name), "w", force_zip64=True) as stream:
        stream.write(head)
        for _ in range(repeat):
            stream.write(filler)
        stream.write(tail)


def _bomb(part: str, size_mb: int) -> bytes:
    """A workbook whose ``part`` inflates to ``size_mb`` MB of blanks; the sizes in the zip are honest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        strings = part == STRINGS
        values = list(good_row(1))
        values[1] = b'<c r="B2" t="s"><v>0</v></c>' if strings else "四十"
        parts = base_parts(sheet_xml([values]), strings="" if strings else None)
        for name, content in parts.items():
            if name != part:
                archive.writestr(name, content)
        if strings:
            head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}"><si><t>'.encode()
            tail = b"</t></si></sst>"
        else:
            head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
            head += row_xml(1, HEADER).encode()
            tail = (row_xml(2, ("学员1", "四十", resident_id(1), None)) + "</sheetData></worksheet>").encode()
        _stream_part(archive, part, head, b" " * MB, size_mb, tail)
    return buffer.getvalue()


def sheet_bomb_200mb():
    return _bomb(SHEET, 200)


def sheet_bomb_290mb():
    return _bomb(SHEET, 290)


def sheet_bomb_over_limit():
    return _bomb(SHEET, 400)


def strings_bomb_200mb():
    return _bomb(STRINGS, 200)


def _lying_sizes(data: bytes, part: str, claimed: int) -> bytes:
    """Rewrite the sizes the zip records for ``part`` so that it claims ``claimed`` bytes unpacked."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(part)
        real = info.file_size
    encoded_real = real.to_bytes(4, "little")
    encoded_claim = claimed.to_bytes(4, "little")
    name = part.encode()
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            name_offset = 30 if signature == b"PK\x03\x04" else 46
            if out[start + name_offset : start + name_offset + len(name)] == name and out[
                start + size_offset : start + size_offset + 4
            ] in (encoded_real, b"\xff\xff\xff\xff"):
                out[start + size_offset : start + size_offset + 4] = encoded_claim
            start += 4
    return bytes(out)


def sheet_bomb_lying_header():
    """A sheet that claims 1 KB in the zip directory but inflates to 150 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in base_parts("").items():
            if name != SHEET:
                archive.writestr(name, content)
        head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
        head += row_xml(1, HEADER).encode() + row_xml(2, good_row(1)).encode()
        with archive.open(deflated(SHEET), "w", force_zip64=False) as stream:
            stream.write(head)
            for _ in range(150):
                stream.write(b" " * MB)
            stream.write(b"</sheetData></worksheet>")
    return _lying_sizes(buffer.getvalue(), SHEET, 1024)


def _many_entries(count: int, name_length=20) -> bytes:
    parts = base_parts(sheet_xml([("学员1", "四十", resident_id(1), None)]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
        for index in range(count):
            archive.writestr(f"xl/media/{index:0{name_length}d}", b"")
    return buffer.getvalue()


def zip_1001_entries():
    return _many_entries(1001)


def zip_100k_entries():
    return _many_entries(100_000, name_length=6)


def nested_zip_bomb():
    """A workbook carrying a zip of zips: small itself, but each inner zip inflates to 100 MB."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.bin", "w", force_zip64=True) as stream:
            for _ in range(100):
                stream.write(b"\0" * MB)
    parts = base_parts(sheet_xml([("学员1", "四十", resident_id(1), None)]))
    parts.update({f"xl/embeddings/bomb{i}.zip": inner.getvalue() for i in range(5)})
    return package(parts)


def many_shared_strings():
    """1.5 million distinct short shared strings (30 MB of XML at an ordinary packing ratio), one of them used."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        values = list(good_row(1))
        values[1] = b'<c r="B2" t="s"><v>0</v></c>'
        for name, content in base_parts(sheet_xml([values]), strings="").items():
            if name != STRINGS:
                archive.writestr(name, content)
        with archive.open(deflated(STRINGS), "w", force_zip64=True) as stream:
            stream.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}"><si><t>四十</t></si>'.encode())
            for start in range(0, 1_500_000, 50_000):
                stream.write("".join(f"<si><t>{n:x}</t></si>" for n in range(start, start + 50_000)).encode())
            stream.write(b"</sst>")
    return buffer.getvalue()


def corrupt_deflate_mid_sheet():
    """A sheet of 20,000 rows whose packed data is damaged half way through."""
    data = bytearray(_many_rows(20_000))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 64] = bytes(range(64))
    return bytes(data)


def malformed_xml_after_many_rows():
    """Well-formed for 3,000 rows, then a tag that never closes."""
    rows = [good_row(n) for n in range(1, 3000)]
    sheet = sheet_xml(rows).replace("</sheetData>", '<row r="5000"><c r="A5000"><v>1</v></sheetData>')
    return package(base_parts(sheet))


# Rows the sheet hides, and sheets with too many rows


def dimension_claims_one_row():
    """The <dimension> element claims the header and one row; a bad row sits far below it."""
    rows = [good_row(n) for n in range(1, 40)] + [("学员40", "四十", resident_id(40), None)]
    return hand_made(rows, dimension="A1:D2")


def dimension_claims_header_only():
    rows = [good_row(n) for n in range(1, 5)] + [("学员5", 40, "123", None)]
    return hand_made(rows, dimension="A1:D1")


def dimension_narrower_columns():
    """The dimension claims column A only; the bad value sits in column C."""
    rows = [good_row(1), ("学员2", 40, "11010519800101001", None)]
    return hand_made(rows, dimension="A1:A3")


def dimension_with_gap_rows():
    """Rows numbered far apart past the declared dimension; the last one is bad."""
    rows = "".join(row_xml(number, good_row(number)) for number in (2, 3, 5000, 90_000))
    rows += row_xml(500_000, ("学员X", 0, resident_id(7), None))
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><dimension ref="A1:D3"/>'
        f"<sheetData>{row_xml(1, HEADER)}{rows}</sheetData></worksheet>"
    )
    return package(base_parts(sheet))


def _many_rows(count: int, dimension=False) -> bytes:
    """``count`` valid rows written straight into the sheet XML, streamed into the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in base_parts("").items():
            if name != SHEET:
                archive.writestr(name, content)
        with archive.open(deflated(SHEET), "w", force_zip64=True) as stream:
            dimension_xml = f'<dimension ref="A1:C{count + 1}"/>' if dimension else ""
            stream.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">{dimension_xml}<sheetData>'.encode()
            )
            stream.write(row_xml(1, HEADER).encode())
            chunk = []
            for number in range(2, count + 2):
                n = number - 1
                chunk.append(
                    f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>学员{n}</t></is></c><c r="B{number}"><v>40</v></c>'
                    f'<c r="C{number}" t="inlineStr"><is><t>{resident_id(n)}</t></is></c></row>'
                )
                if len(chunk) == 10_000:
                    stream.write("".join(chunk).encode())
                    chunk = []
            stream.write("".join(chunk).encode())
            stream.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def million_rows():
    return _many_rows(1_000_000)


def one_row_over_cap():
    """100,001 rows, one more than the default cap of 100,000, with the <dimension> element Excel writes.

    Without that element openpyxl parses the whole sheet when it opens the
    workbook, which took 1 to 2.5 seconds for 100,000 rows on the test machine.
    """
    return _many_rows(100_001, dimension=True)


# Files that are no workbook


def truncated_half():
    return _valid_workbook()[: len(_valid_workbook()) // 2]


def truncated_central_directory():
    data = _valid_workbook()
    return data[:-10]


def truncated_first_bytes():
    return _valid_workbook()[:100]


def _ole2(*streams: str) -> bytes:
    """The start of an OLE2 compound file whose directory names ``streams``."""
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64 for name in streams)
    return OLE2_MAGIC + b"\0" * 504 + directory + b"\0" * 512


def xls_renamed():
    return _ole2("Root Entry", "Workbook", "\x05SummaryInformation")


def xls_book_stream_renamed():
    """An Excel 5.0 workbook names its stream 'Book' instead of 'Workbook'."""
    return _ole2("Root Entry", "Book")


def encrypted_package():
    return _ole2("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces")


def word_doc_renamed():
    return _ole2("Root Entry", "WordDocument", "1Table")


def csv_renamed():
    return "姓名,完成学时,身份证号,联系电话\n张三,40,110105198001010016,13800000000\n".encode()


def csv_gb18030_renamed():
    return "姓名,完成学时,身份证号\n李四,32,110105198001010024\n".encode("gb18030")


def html_renamed():
    return (
        "<html><body><table><tr><td>姓名</td><td>完成学时</td><td>身份证号</td><td>联系电话</td></tr>"
        "<tr><td>张三</td><td>40</td><td>110105198001010016</td><td></td></tr></table>"
        "<script>alert(1)</script></body></html>"
    ).encode()


def pdf_renamed():
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def png_renamed():
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def empty_file():
    return b""


def single_zero_byte():
    return b"\0"


def elf_renamed():
    return b"\x7fELF\x02\x01\x01" + b"\0" * 200


def docx_renamed():
    return package({"[Content_Types].xml": content_types(), "word/document.xml": "<document>申报</document>"})


def plain_zip_renamed():
    return package({"学员名单.csv": csv_renamed()})


def utf16_text_renamed():
    return "姓名\t完成学时\t身份证号\t联系电话\r\n张三\t40\t110105198001010016\t\r\n".encode("utf-16")


# Macros, formulas and odd cells


def macro_enabled():
    """An .xlsm renamed .xlsx: a macro content type and a vbaProject.bin part."""
    parts = base_parts(sheet_xml([("学员1", "四十", resident_id(1), None)]))
    parts["[Content_Types].xml"] = content_types(
        workbook_type=MACRO_WORKBOOK_TYPE,
        extra='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
    )
    parts["xl/vbaProject.bin"] = _ole2("Root Entry", "VBA", "dir", "ThisWorkbook")
    parts["xl/_rels/workbook.xml.rels"] = workbook_rels().replace(
        "</Relationships>",
        '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="vbaProject.bin"/></Relationships>',
    )
    return package(parts)


def macro_only_vba_part():
    """A plain workbook content type, but with vbaProject.bin inside."""
    parts = base_parts(sheet_xml([("学员1", "四十", resident_id(1), None)]))
    parts["xl/vbaProject.bin"] = _ole2("Root Entry", "VBA")
    return package(parts)


def _formula(ref: str, formula: str, cached=None, kind=None) -> bytes:
    type_attr = f' t="{kind}"' if kind else ""
    value = f"<v>{_escape(str(cached))}</v>" if cached is not None else ""
    return f'<c r="{ref}"{type_attr}><f>{_escape(formula)}</f>{value}</c>'.encode()


def formula_sum_without_value():
    return hand_made([("学员1", _formula("B2", "1+1"), resident_id(1), None)])


def formula_sum_with_bad_cached_value():
    """=1+1 in the ID column with its cached result 2, which is no ID number."""
    return hand_made([("学员1", 40, _formula("C2", "1+1", 2), None)])


def formula_hyperlink_without_value():
    return hand_made([(_formula("A2", 'HYPERLINK("http://127.0.0.1/","点击")'), 40, resident_id(1), None)])


def formula_hyperlink_with_value():
    """A hyperlink formula in the name column with a cached name, and a bad cached ID on the same row."""
    name = _formula("A2", 'HYPERLINK("http://127.0.0.1/","张三")', "张三", "str")
    return hand_made([(name, 40, _formula("C2", '"1101"&"05"', "110105", "str"), None)])


def formula_dde_without_value():
    return hand_made([(_formula("A2", "cmd|' /C calc'!A0"), 40, resident_id(1), None)])


def formula_dde_with_cached_value():
    """A DDE formula in the hours column whose cached text is no number of hours."""
    return hand_made([("学员1", _formula("B2", "cmd|' /C calc'!A0", "calc", "str"), resident_id(1), None)])


def formula_text_as_string():
    """Text that looks like a DDE formula, stored as text, in the hours column."""
    return hand_made([("学员1", "=cmd|' /C calc'!A0", resident_id(1), None)])


def shared_formula_without_values():
    rows = [
        ("学员1", b'<c r="B2"><f t="shared" ref="B2:B4" si="0">10*4</f></c>', resident_id(1), None),
        ("学员2", b'<c r="B3"><f t="shared" si="0"/></c>', resident_id(2), None),
        ("学员3", b'<c r="B4"><f t="shared" si="0"/></c>', resident_id(3), None),
    ]
    return hand_made(rows)


def array_formula_without_value():
    return hand_made([("学员1", b'<c r="B2"><f t="array" ref="B2">SUM({1,2})</f></c>', resident_id(1), None)])


def long_cell_strings():
    """Cells of 32,767 characters, Excel's limit, in every column."""
    text = "长" * 32_767
    return hand_made([(text, text, text, text)])


def long_cell_strings_many_rows():
    text = "名" * 32_767
    return hand_made([(text, 40, resident_id(n), None) for n in range(1, 200)])


def columns_16384():
    """A header row followed by a row that fills all 16,384 columns."""
    from openpyxl.utils import get_column_letter

    wide = "".join(f'<c r="{get_column_letter(col)}2"><v>{col}</v></c>' for col in range(1, 16_385))
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><dimension ref="A1:XFD2"/>'
        f'<sheetData>{row_xml(1, HEADER)}<row r="2">{wide}</row></sheetData></worksheet>'
    )
    return package(base_parts(sheet))


def header_at_column_16384():
    """The header sits in the last four columns, beyond where a header is looked for."""
    header = "".join(
        f'<c r="{ref}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for ref, text in zip(("XFA", "XFB", "XFC", "XFD"), HEADER, strict=True)
    )
    values = "".join(
        cell(f"{ref}2", value) for ref, value in zip(("XFA", "XFB", "XFC", "XFD"), good_row(1), strict=True) if value is not None
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
        f'<sheetData><row r="1">{header}</row><row r="2">{values}</row></sheetData></worksheet>'
    )
    return package(base_parts(sheet))


def no_header():
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'
        + "".join(row_xml(number, good_row(number)) for number in range(1, 50))
        + "</sheetData></worksheet>"
    )
    return package(base_parts(sheet))


def header_below_search_rows():
    """The header starts in row 31, below the rows where it is looked for."""
    rows = "".join(row_xml(number, (f"说明{number}",)) for number in range(1, 31))
    rows += row_xml(31, HEADER) + row_xml(32, good_row(1))
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'
    return package(base_parts(sheet))


def empty_sheet():
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>'
    return package(base_parts(sheet))


def header_only():
    return hand_made([])


# Broken parts


def _without(part: str) -> bytes:
    parts = base_parts(sheet_xml([good_row(1)]))
    del parts[part]
    return package(parts)


def missing_workbook_xml():
    return _without("xl/workbook.xml")


def missing_sheet_part():
    return _without(SHEET)


def missing_workbook_rels():
    return _without("xl/_rels/workbook.xml.rels")


def missing_content_types():
    return _without("[Content_Types].xml")


def relationship_to_missing_target():
    parts = base_parts(sheet_xml([good_row(1)]))
    parts["xl/_rels/workbook.xml.rels"] = workbook_rels(sheet_target="worksheets/nowhere.xml")
    return package(parts)


def relationship_outside_package():
    parts = base_parts(sheet_xml([good_row(1)]))
    parts["xl/_rels/workbook.xml.rels"] = workbook_rels(sheet_target="../../../../etc/hostname")
    return package(parts)


def relationship_to_itself():
    parts = base_parts(sheet_xml([good_row(1)]))
    parts["xl/_rels/workbook.xml.rels"] = workbook_rels(sheet_target="../xl/workbook.xml")
    return package(parts)


def malformed_sheet_xml():
    return package(base_parts(sheet_xml([good_row(1)])[:-30]))


def malformed_workbook_xml():
    parts = base_parts(sheet_xml([good_row(1)]))
    parts["xl/workbook.xml"] = WORKBOOK[:-20]
    return package(parts)


def sheet_is_binary():
    return package(base_parts(b"\x00\x01\x02" * 1000))


def gb18030_sheet_declared_utf8():
    """Sheet XML in GB18030 bytes under an XML declaration of UTF-8."""
    sheet = sheet_xml([("张三", 40, resident_id(1), None)])
    return package(base_parts(sheet.encode("gb18030")))


def utf16_sheet_without_declaration():
    sheet = sheet_xml([("学员1", "四十", resident_id(1), None)]).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return package(base_parts(sheet.encode("utf-16-le")))


def gbk_declared_sheet():
    """A sheet declared as GBK, an encoding the XML parser does not know, with a bad row."""
    sheet = sheet_xml([("学员1", "四十", resident_id(1), None)]).replace('encoding="UTF-8"', 'encoding="GBK"')
    return package(base_parts(sheet.encode("gbk")))


def invalid_xml_characters():
    """Control characters that XML 1.0 forbids, raw in a cell."""
    return hand_made([("学员\x01\x02", 40, resident_id(1), None)])


def stored_with_unknown_compression():
    data = bytearray(_valid_workbook())
    # Compression method 99 (AES) in every local and central header.
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset : start + offset + 2] = (99).to_bytes(2, "little")
            start += 4
    return bytes(data)


def _valid_workbook() -> bytes:
    """A workbook openpyxl writes, whose one data row is bad (hours written in words)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "学员名单"
    sheet.append(list(HEADER))
    sheet.append(["学员1", "四十", resident_id(1), "13800000001"])
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


BUILDERS = [
    billion_laughs_sheet,
    billion_laughs_sheet_in_id_column,
    billion_laughs_strings,
    billion_laughs_workbook_part,
    quadratic_blowup_sheet,
    quadratic_blowup_strings,
    xxe_sheet,
    xxe_strings,
    xxe_parameter_entity,
    xxe_workbook_part,
    sheet_bomb_200mb,
    sheet_bomb_290mb,
    sheet_bomb_over_limit,
    strings_bomb_200mb,
    many_shared_strings,
    sheet_bomb_lying_header,
    corrupt_deflate_mid_sheet,
    malformed_xml_after_many_rows,
    zip_1001_entries,
    zip_100k_entries,
    nested_zip_bomb,
    dimension_claims_one_row,
    dimension_claims_header_only,
    dimension_narrower_columns,
    dimension_with_gap_rows,
    million_rows,
    one_row_over_cap,
    truncated_half,
    truncated_central_directory,
    truncated_first_bytes,
    xls_renamed,
    xls_book_stream_renamed,
    encrypted_package,
    word_doc_renamed,
    csv_renamed,
    csv_gb18030_renamed,
    html_renamed,
    pdf_renamed,
    png_renamed,
    empty_file,
    single_zero_byte,
    elf_renamed,
    docx_renamed,
    plain_zip_renamed,
    utf16_text_renamed,
    macro_enabled,
    macro_only_vba_part,
    formula_sum_without_value,
    formula_sum_with_bad_cached_value,
    formula_hyperlink_without_value,
    formula_hyperlink_with_value,
    formula_dde_without_value,
    formula_dde_with_cached_value,
    formula_text_as_string,
    shared_formula_without_values,
    array_formula_without_value,
    long_cell_strings,
    long_cell_strings_many_rows,
    columns_16384,
    header_at_column_16384,
    no_header,
    header_below_search_rows,
    empty_sheet,
    header_only,
    missing_workbook_xml,
    missing_sheet_part,
    missing_workbook_rels,
    missing_content_types,
    relationship_to_missing_target,
    relationship_outside_package,
    relationship_to_itself,
    malformed_sheet_xml,
    malformed_workbook_xml,
    sheet_is_binary,
    gb18030_sheet_declared_utf8,
    utf16_sheet_without_declaration,
    gbk_declared_sheet,
    invalid_xml_characters,
    stored_with_unknown_compression,
]
NEEDS_SECRET = {xxe_sheet, xxe_strings, xxe_parameter_entity, xxe_workbook_part}
WORKBOOKS = [builder.__name__ for builder in BUILDERS]


def build(name: str, secret_path: str) -> bytes:
    builder = next(b for b in BUILDERS if b.__name__ == name)
    return builder(secret_path) if builder in NEEDS_SECRET else builder()
