"""Abusive uploads through every upload page, as the users who may upload there.

The pages: the declaration attachment on the workshop form (a unit), the
opening notice and plan, the plan change application and a completion
material (the province), and the trainee import (the province). Around
every refused upload the test compares the upload folder and the tables
that point at stored files. A refusal that leaves a file or a row behind
counts as bytes left. Limits are lowered for the test so that files at,
just over and far over them stay small: 1 MB per attachment and import,
4 MB per request.
"""

import hashlib
import io
import re
import time
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import (
    Attachment,
    CompletionMaterial,
    DeclarationStatus,
    MaterialKind,
    PlanChange,
    Trainee,
    Workshop,
    WorkshopDocument,
)
from tests.conftest import csrf_token, login
from tests.materials.conftest import docx_bytes, pdf_bytes
from tests.security.hostile_workbooks import base_parts, package, sheet_xml
from tests.test_declarations import form_data

CHECK = "upload abuse"
LIMIT = 1024 * 1024
REQUEST_LIMIT = 4 * 1024 * 1024
CHINESE = re.compile(r"[\u4e00-\u9fff]")

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x90" * 64
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"This program cannot be run in DOS mode."
SPOOFS = {"html": HTML, "svg": SVG, "elf": ELF, "mz": MZ}


@pytest.fixture
def limits(app):
    app.config["ATTACHMENT_MAX_BYTES"] = LIMIT
    app.config["IMPORT_MAX_BYTES"] = LIMIT
    app.config["MAX_CONTENT_LENGTH"] = REQUEST_LIMIT
    return LIMIT


def padded_zip(size: int, marker: bytes = b"") -> bytes:
    """A real zip archive of exactly ``size`` bytes: a scanned form plus a stored entry of random padding."""

    def build(padding: int) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("申报表.pdf", pdf_bytes("stamped form") + marker)
            archive.writestr("附件.bin", hashlib.shake_256(marker + b"pad").digest(padding) if padding else b"")
        return buffer.getvalue()

    overhead = len(build(0))
    data = build(size - overhead)
    assert len(data) == size
    return data


def padded_pdf(size: int) -> bytes:
    head = pdf_bytes("scan")
    return head + b"%" + b"0" * (size - len(head) - 1)


def padded_docx(size: int) -> bytes:
    def build(padding: int) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(docx_bytes()), "r") as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
            for item in source.infolist():
                target.writestr(item.filename, source.read(item))
            target.writestr("word/media/scan.bin", hashlib.shake_256(b"scan").digest(padding) if padding else b"")
        return buffer.getvalue()

    data = build(size - len(build(0)))
    assert len(data) == size
    return data


def padded_xlsx(size: int) -> bytes:
    """A trainee list workbook of exactly ``size`` bytes whose only row is bad, so nothing is saved."""
    sheet = sheet_xml([("学员1", "四十", "110105198001010016", None)])

    def build(padding: int) -> bytes:
        parts = base_parts(sheet)
        parts["xl/media/image1.bin"] = hashlib.shake_256(b"image").digest(padding) if padding else b""
        return package(parts, compression=zipfile.ZIP_STORED)

    data = build(size - len(build(0)))
    assert len(data) == size
    return data


# Uploading through the pages


def post_multipart(client, url, fields: dict, files: dict, follow_redirects=True):
    """POST a multipart form encoded in memory (Werkzeug's test client leaves its temporary file for large bodies open)."""
    values = {"csrf_token": csrf_token(client), **fields}
    values.update({name: FileStorage(io.BytesIO(data), filename=filename) for name, (data, filename) in files.items()})
    boundary, body = encode_multipart(values)
    return client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}", follow_redirects=follow_redirects
    )


class Pages:
    """The upload pages, each taking the file's bytes and name and returning the final response."""

    def __init__(self, app, org_tree, make_workshop, reference_data):
        self.app = app
        self.org_tree = org_tree
        self.make_workshop = make_workshop
        self.field_id = reference_data["field"].id
        self.clients = {}

    def client(self, username):
        if username not in self.clients:
            client = self.app.test_client()
            login(client, username)
            self.clients[username] = client
        return self.clients[username]

    def approved(self):
        return self.make_workshop(self.org_tree["unit_a1"], status=DeclarationStatus.APPROVED)

    def declaration(self, data, filename, username="unit-a1", name="智能制造新技术高级研修班"):
        fields = form_data(self.field_id, name=name)
        return post_multipart(self.client(username), "/admin/workshops/declare/", fields, {"attachment": (data, filename)})

    def upload(self, page_name):
        """A function that uploads (data, filename) through the page, bound to a workshop created now."""
        if page_name == "declaration":
            return self.declaration
        workshop = self.approved()
        return lambda data, filename: getattr(self, page_name)(workshop, data, filename)

    def opening_notice(self, workshop, data, filename):
        files = {"opening_notice": (data, filename), "implementation_plan": (docx_bytes(), "实施方案.docx")}
        return post_multipart(self.client("prov-a"), f"/admin/opening_plans/submit/?id={workshop.id}", {"id": workshop.id}, files)

    def plan_change(self, workshop, data, filename):
        fields = {"workshop": workshop.id, "new_place": "苏州", "reason": "场地调整", "new_host_unit": "", "other_changes": ""}
        return post_multipart(self.client("prov-a"), "/admin/plan_changes/file/", fields, {"application": (data, filename)})

    def completion_material(self, workshop, data, filename):
        url = f"/admin/completion_materials/{workshop.id}/upload/{MaterialKind.EXPENSE_SETTLEMENT}/"
        return post_multipart(self.client("prov-a"), url, {"version": "0"}, {"file": (data, filename)})

    def trainee_import(self, workshop, data, filename):
        client = self.client("prov-a")
        url = f"/admin/trainee-import/{workshop.id}/"
        response = post_multipart(client, url, {}, {"file": (data, filename)}, follow_redirects=False)
        if response.status_code != 302:
            return response
        job_url = response.headers["Location"]
        for _attempt in range(600):
            if client.get(job_url + "status").get_json()["finished"]:
                break
            time.sleep(0.05)
        return client.get(job_url)


# Which files each page takes, for the spoofed-name cases.
PAGE_EXTENSIONS = {
    "declaration": ("zip",),
    "opening_notice": ("pdf", "docx"),
    "plan_change": ("pdf", "docx"),
    "completion_material": ("pdf", "docx", "xlsx"),
    "trainee_import": ("xlsx",),
}
VALID_AT = {
    "declaration": (padded_zip, "申报材料.zip"),
    "opening_notice": (padded_pdf, "开班通知.pdf"),
    "plan_change": (padded_docx, "变更申请.docx"),
    "completion_material": (padded_pdf, "经费结算.pdf"),
    "trainee_import": (padded_xlsx, "学员名单.xlsx"),
}


@pytest.fixture
def pages(app, org_tree, make_workshop, reference_data, limits):
    return Pages(app, org_tree, make_workshop, reference_data)


def upload_state(app):
    """Files under the upload folder (without the sealed import job states) and rows that point at stored files."""
    root = Path(app.config["UPLOAD_FOLDER"])
    files = {}
    if root.exists():
        for path in root.rglob("*"):
            if path.is_file() and "import-jobs" not in path.relative_to(root).parts:
                files[str(path.relative_to(root))] = path.stat().st_size
    counts = {model.__name__: model.select().count() for model in (Attachment, WorkshopDocument, PlanChange, CompletionMaterial)}
    counts["Trainee"] = Trainee.select().count()
    return files, counts


def bytes_left(before, after) -> int:
    """Bytes of files added between two states, plus one for every row added."""
    added = sum(size for name, size in after[0].items() if name not in before[0])
    rows = sum(max(after[1][name] - before[1][name], 0) for name in before[1])
    return added + rows


def refused_cleanly(app, scoreboard, page, data, filename, words=()):
    """Upload a file that must be refused; record the attempt; return the response and the bytes left behind."""
    before = upload_state(app)
    response = page(data, filename)
    after = upload_state(app)
    left = bytes_left(before, after)
    html = response.get_data(as_text=True)
    refused = left == 0 and response.status_code in (200, 302, 413)
    scoreboard.attempt(CHECK, refused=refused)
    scoreboard.add(CHECK, wrongly_accepted=int(after[1]["Attachment"] > before[1]["Attachment"]), bytes_left=left)
    assert response.status_code != 500
    assert left == 0, (filename, before, after)
    assert refused, response.status_code
    assert CHINESE.search(html)
    for word in words:
        assert word in html, (word, filename)
    return response


# Size limits


@pytest.mark.parametrize("page_name", list(PAGE_EXTENSIONS))
def test_file_at_limit_accepted_and_over_refused(app, pages, scoreboard, page_name):
    page = pages.upload(page_name)
    build, filename = VALID_AT[page_name]
    at_limit = build(LIMIT)

    before = upload_state(app)
    response = page(at_limit, filename)
    after = upload_state(app)
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    if page_name == "trainee_import":
        # The workbook is read (its bad row is reported), not refused for its size.
        assert "第 2 行" in html
        assert "大小上限" not in html
        stored = []
    else:
        stored = [name for name in after[0] if name not in before[0]]
        assert [after[0][name] for name in stored].count(LIMIT) == 1, html

    for size in (LIMIT + 1, LIMIT * 3):
        data = build(size)
        page = pages.upload(page_name)
        refused_cleanly(app, scoreboard, page, data, filename, words=("大小上限",) if page_name != "trainee_import" else ())
        if page_name == "trainee_import":
            assert "大小上限" in response_text_of_last(pages)


def response_text_of_last(pages):
    """The newest import job page of the province, read again."""
    client = pages.client("prov-a")
    from services import import_jobs

    folder = Path(pages.app.config["UPLOAD_FOLDER"]) / "import-jobs"
    newest = max(folder.glob("*.job"), key=lambda path: path.stat().st_mtime_ns)
    job = import_jobs.load(newest.stem, pages.org_tree["user_prov_a"])
    return client.get(f"/admin/trainee-import/job/{job.token}/").get_data(as_text=True)


@pytest.mark.parametrize("page_name", list(PAGE_EXTENSIONS))
def test_request_over_site_limit_refused(app, pages, scoreboard, page_name):
    build, filename = VALID_AT[page_name]
    data = b"\0" * (REQUEST_LIMIT + 1)
    response = refused_cleanly(app, scoreboard, pages.upload(page_name), data, filename)
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)


# Types spoofed by name


@pytest.mark.parametrize("page_name", list(PAGE_EXTENSIONS))
@pytest.mark.parametrize("spoof", list(SPOOFS))
def test_spoofed_type_refused(app, pages, scoreboard, page_name, spoof):
    for extension in sorted({*PAGE_EXTENSIONS[page_name], "pdf", "docx", "zip"}):
        filename = f"材料{spoof}.{extension}"
        refused_cleanly(app, scoreboard, pages.upload(page_name), SPOOFS[spoof], filename)


@pytest.mark.parametrize("page_name", ["declaration", "opening_notice", "plan_change", "completion_material"])
@pytest.mark.parametrize("filename", ["材料.html", "材料.svg", "材料.exe", "材料.pdf.exe", "材料"])
def test_extension_outside_list_refused(app, pages, scoreboard, page_name, filename):
    build, _valid_name = VALID_AT[page_name]
    refused_cleanly(app, scoreboard, pages.upload(page_name), build(4096), filename, words=("只接受",))


# Same names from two units


def test_same_chinese_name_from_two_units_all_kept(app, org_tree, pages, scoreboard):
    """100 declarations with an attachment named 申报材料.zip, half from unit A1 and half from unit B1."""
    uploads = []
    for index in range(100):
        username = "unit-a1" if index % 2 == 0 else "unit-b1"
        data = padded_zip(4096 + index, marker=f"{username}-{index}".encode())
        response = pages.declaration(data, "申报材料.zip", username=username, name=f"研修班{index:03d}")
        assert response.status_code == 200, response.status_code
        workshop = Workshop.get(Workshop.name == f"研修班{index:03d}")
        uploads.append((username, workshop.attachment_id, data))

    attachments = list(Attachment.select().where(Attachment.id.in_([a for _u, a, _d in uploads])))
    assert {a.original_name for a in attachments} == {"申报材料.zip"}
    assert len({a.stored_name for a in attachments}) == 100
    overwritten = 0
    for username, attachment_id, data in uploads:
        own = pages.client(username).get(f"/files/{attachment_id}")
        other = pages.client("unit-b1" if username == "unit-a1" else "unit-a1").get(f"/files/{attachment_id}")
        overwritten += int(own.status_code != 200 or own.data != data)
        assert other.status_code == 404
        own.close()
        other.close()
    scoreboard.add(CHECK, overwritten=overwritten)
    assert overwritten == 0


# Hostile file names


NAMES = {
    "dot-dot": "../../../../etc/申报材料.zip",
    "backslashes": "..\\..\\windows\\申报材料.zip",
    "nul": "申报材料\x00.exe.zip",
    "right-to-left": "申报材料\u202epiz.exe",
    "right-to-left-zip": "报告\u202egpj.zip",
    "255 bytes": "长" * 83 + "ab.zip",
    "over 255 bytes": "长" * 120 + ".zip",
}


@pytest.mark.parametrize("key", list(NAMES))
@pytest.mark.parametrize("page_name", ["declaration", "completion_material"])
def test_hostile_file_name(app, pages, scoreboard, key, page_name):
    raw = NAMES[key]
    extension = raw.rsplit(".", 1)[-1]
    if page_name == "completion_material":
        raw = raw.rsplit(".", 1)[0] + ".pdf"
        data = padded_pdf(2048)
    else:
        data = padded_zip(2048)
    page = pages.upload(page_name)
    before = upload_state(app)
    response = page(data, raw)
    after = upload_state(app)
    assert response.status_code == 200

    root = Path(app.config["UPLOAD_FOLDER"]).resolve()
    added = [name for name in after[0] if name not in before[0]]
    for name in added:
        assert (root / name).resolve().is_relative_to(root)
        assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}", name), name

    if page_name == "declaration" and extension != "zip":
        # The cleaned name ends in .exe: refused, and nothing stays.
        refused = not added
        scoreboard.attempt(CHECK, refused=refused)
        scoreboard.add(CHECK, wrongly_accepted=int(not refused), bytes_left=bytes_left(before, after))
        assert refused
        return

    assert len(added) == 1
    stored = Attachment.get(Attachment.stored_name == Path(added[0]).name)
    name = stored.original_name
    unsafe = any(c in name for c in "/\\\x00\u202e") or len(name.encode()) > 255 or name.startswith(".")
    scoreboard.attempt("upload names", refused=not unsafe)
    scoreboard.add("upload names", wrongly_accepted=int(unsafe))
    assert not unsafe, name
    if key == "255 bytes":
        assert name == raw

    download = pages.client("unit-a1").get(f"/files/{stored.id}")
    assert download.status_code == 200
    assert download.data == data
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "\u202e" not in disposition
    assert "%E2%80%AE" not in disposition.upper()
    assert ".." not in disposition.split("filename", 1)[1][:3]
    download.close()


def test_upload_abuse_figures(scoreboard):
    """Every abusive upload so far was refused, and nothing was overwritten or left behind."""
    row = scoreboard.row(CHECK)
    assert row["attempts"] > 0
    assert row["refused"] == row["attempts"], row
    assert row["wrongly_accepted"] == 0, row
    assert row.get("bytes_left", 0) == 0, row
    assert row.get("overwritten", 0) == 0, row
    assert scoreboard.row("upload names")["wrongly_accepted"] == 0


def test_stale_declaration_edit_leaves_no_file(app, org_tree, make_workshop, pages, scoreboard):
    """An edit refused because someone saved in between keeps neither its attachment file nor its row."""
    workshop = make_workshop(org_tree["unit_a1"], name="过期编辑研修班")
    Workshop.update(version=Workshop.version + 1).where(Workshop.id == workshop.id).execute()
    fields = {**form_data(pages.field_id, name="过期编辑研修班"), "version": str(workshop.version)}
    before = upload_state(app)
    client = pages.client("unit-a1")
    url = f"/admin/workshops/declare/edit/?id={workshop.id}"
    response = post_multipart(client, url, fields, {"attachment": (padded_zip(4096), "新申报材料.zip")})
    after = upload_state(app)
    left = bytes_left(before, after)
    scoreboard.attempt(CHECK, refused=left == 0)
    scoreboard.add(CHECK, bytes_left=left)
    assert response.status_code == 200
    assert "其他人" in response.get_data(as_text=True) or "刷新" in response.get_data(as_text=True)
    assert left == 0, (before, after)
