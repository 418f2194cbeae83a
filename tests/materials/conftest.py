"""Fixtures for the work after approval: real office files, approved workshops, uploads."""

import io
import zipfile

import pytest
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage

from models import DeclarationStatus

OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx_bytes(text="研修班总结报告"):
    """A minimal Word document: a zip with a content-type listing and a word/ part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", f"<document>{text}</document>")
    return buffer.getvalue()


def xlsx_bytes(value="经费结算"):
    workbook = Workbook()
    workbook.active["A1"] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_bytes(text="scanned"):
    return b"%PDF-1.4\n%" + text.encode() + b"\n%%EOF\n"


def doc_bytes():
    return OLE2_HEADER + b"\x00" * 504


def file_storage(data: bytes, filename: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename)


@pytest.fixture
def approved(org_tree, make_workshop):
    """Factory: ``approved(owner_key='unit_a1', **fields)`` creates an approved workshop."""

    def factory(owner="unit_a1", **fields):
        return make_workshop(org_tree[owner], status=DeclarationStatus.APPROVED, **fields)

    return factory


@pytest.fixture
def small_uploads(app):
    """Lower the attachment limit to 4 KB so that a size refusal needs only a small file."""
    app.config["ATTACHMENT_MAX_BYTES"] = 4096
    return 4096
