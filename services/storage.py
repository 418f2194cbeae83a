"""Storing uploads outside the web root under random names, checked by content."""

import hashlib
import logging
import os
import secrets
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _

from models import Attachment

from .errors import ValidationFailed

logger = logging.getLogger(__name__)

# File types recognised by their first bytes. Office Open XML files are zip
# archives and are told apart by their content listing.
ZIP, RAR, SEVEN_ZIP, PDF, OLE2, DOCX, XLSX = "zip", "rar", "7z", "pdf", "ole2", "docx", "xlsx"

ARCHIVE_TYPES = {"zip": {ZIP, DOCX, XLSX}, "rar": {RAR}, "7z": {SEVEN_ZIP}}
DOCUMENT_TYPES = {"pdf": {PDF}, "doc": {OLE2}, "xls": {OLE2}, "docx": {DOCX}, "xlsx": {XLSX}}
WORD_TYPES = {"doc": {OLE2}, "docx": {DOCX}}
SPREADSHEET_TYPES = {"xlsx": {XLSX}}

CONTENT_TYPES = {
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_CHUNK = 64 * 1024
# Bidirectional overrides and other format characters that disguise a file name.
_FORMAT_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def sniff(path: Path) -> str | None:
    """Name the file type from the content of ``path``, or None if unknown."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"Rar!\x1a\x07"):
        return RAR
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return SEVEN_ZIP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE2
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return DOCX
            if any(n.startswith("xl/") for n in names):
                return XLSX
        return ZIP
    return None


def clean_filename(name: str) -> str:
    """The user's file name without directories, control or direction characters, at most 255 bytes."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _FORMAT_CATEGORIES)
    name = name.strip().strip(".") or "file"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    while len((stem + suffix).encode()) > 255 and stem:
        stem = stem[:-1]
    return (stem + suffix)[:255] or "file"


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def upload_root() -> Path:
    root = Path(current_app.config["UPLOAD_FOLDER"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def stored_path(stored_name: str) -> Path:
    return upload_root() / stored_name[:2] / stored_name


def _describe_allowed(allowed: dict) -> str:
    return "、".join(sorted(allowed))


def save_upload(file_storage, *, allowed: dict, max_bytes: int, kind: str, organisation, user) -> Attachment:
    """Check an uploaded file by content and size and store it; return its Attachment row.

    ``allowed`` maps each accepted extension to the content types it may hold.
    Nothing stays on disk when the file is refused.
    """
    if file_storage is None or not file_storage.filename:
        raise ValidationFailed(_("Choose a file to upload."))
    original = clean_filename(file_storage.filename)
    extension = extension_of(original)
    if extension not in allowed:
        raise ValidationFailed(
            _("%(name)s: only these file types are accepted: %(types)s.", name=original, types=_describe_allowed(allowed))
        )

    stored_name = secrets.token_hex(16)
    target = stored_path(stored_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(partial, "xb") as out:
            while chunk := file_storage.stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationFailed(
                        _("%(name)s is larger than the limit of %(limit)s MB.", name=original, limit=max_bytes // (1024 * 1024))
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed(_("%(name)s is empty.", name=original))
        detected = sniff(partial)
        if detected not in allowed[extension]:
            raise ValidationFailed(
                _(
                    "The content of %(name)s is not a %(ext)s file. Upload the original file, not a renamed one.",
                    name=original,
                    ext=extension,
                )
            )
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

    try:
        attachment = Attachment.create(
            original_name=original,
            stored_name=stored_name,
            size=size,
            content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
            sha256=digest.hexdigest(),
            kind=kind,
            organisation=organisation,
            uploaded_by=user,
        )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    logger.info("Stored upload %s (%s bytes, kind %s) by user %s", attachment.id, size, kind, user.id if user else "-")
    return attachment


def send_attachment(attachment: Attachment):
    """Send the file as a download with its original name; never rendered inline."""
    response = send_file(
        stored_path(attachment.stored_name),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
