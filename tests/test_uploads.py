"""Uploaded files: content checks, size limits, random storage names and scoped downloads."""

import io
import os
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from models import Attachment
from services import storage
from services.errors import ValidationFailed
from tests.conftest import login


def zip_bytes(name="申报表.pdf", content=b"%PDF-1.4 scanned form"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def upload(data, filename):
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def files_on_disk(app):
    root = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def save(app, org_tree):
    def do(data, filename, organisation=None, max_bytes=1024 * 1024):
        return storage.save_upload(
            upload(data, filename),
            allowed=storage.ARCHIVE_TYPES,
            max_bytes=max_bytes,
            kind="declaration",
            organisation=organisation or org_tree["unit_a1"],
            user=org_tree["user_unit_a1"],
        )

    return do


def test_zip_with_chinese_name_stored_under_random_name(app, save):
    attachment = save(zip_bytes(), "高研班申报材料（盖章）.zip")
    assert attachment.original_name == "高研班申报材料（盖章）.zip"
    assert len(attachment.stored_name) == 32
    stored = files_on_disk(app)
    assert [p.name for p in stored] == [attachment.stored_name]
    assert "申报" not in str(stored[0])


def test_same_name_from_two_units_both_kept(app, save, org_tree):
    first = save(zip_bytes(content=b"first"), "申报材料.zip", org_tree["unit_a1"])
    second = save(zip_bytes(content=b"second"), "申报材料.zip", org_tree["unit_b1"])
    assert first.stored_name != second.stored_name
    assert first.sha256 != second.sha256
    assert len(files_on_disk(app)) == 2


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"<html><script>alert(1)</script></html>", "material.zip"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "material.7z"),
        (b"MZ\x90\x00executable", "material.rar"),
        (b"%PDF-1.4", "material.zip"),
    ],
)
def test_spoofed_type_rejected_and_nothing_left(app, save, data, filename):
    with pytest.raises(ValidationFailed) as error:
        save(data, filename)
    assert "不是" in error.value.message
    assert files_on_disk(app) == []
    assert Attachment.select().count() == 0


def test_wrong_extension_rejected(app, save):
    with pytest.raises(ValidationFailed) as error:
        save(b"%PDF-1.4", "material.pdf")
    assert "只接受以下文件类型" in error.value.message


def test_size_limit_exact_accepted_one_over_refused(app, save):
    data = zip_bytes()
    assert save(data, "a.zip", max_bytes=len(data))
    with pytest.raises(ValidationFailed) as error:
        save(data, "b.zip", max_bytes=len(data) - 1)
    assert "大小上限" in error.value.message
    assert len(files_on_disk(app)) == 1


def test_empty_file_refused(app, save):
    with pytest.raises(ValidationFailed):
        save(b"", "empty.zip")
    assert files_on_disk(app) == []


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("../../etc/passwd.zip", "passwd.zip"),
        ("..\\..\\windows\\申报.zip", "申报.zip"),
        ("evil\u202egpj.zip", "evilgpj.zip"),
        ("nul\x00byte.zip", "nulbyte.zip"),
        ("..", "file"),
    ],
)
def test_clean_filename(raw, cleaned):
    assert storage.clean_filename(raw) == cleaned


def test_long_filename_cut_to_255_bytes():
    name = storage.clean_filename("长" * 200 + ".zip")
    assert len(name.encode()) <= 255
    assert name.endswith(".zip")


def test_download_own_attachment(app, client, save):
    attachment = save(zip_bytes(), "申报材料.zip")
    login(client, "unit-a1")
    response = client.get(f"/files/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''%E7%94%B3%E6%8A%A5%E6%9D%90%E6%96%99.zip" in response.headers["Content-Disposition"]
    assert response.data == zip_bytes()
    response.close()


def test_province_downloads_unit_attachment(client, save):
    attachment = save(zip_bytes(), "申报材料.zip")
    login(client, "prov-a")
    response = client.get(f"/files/{attachment.id}")
    assert response.status_code == 200
    response.close()


def test_download_from_other_subtree_refused(app, save):
    attachment = save(zip_bytes(), "申报材料.zip")
    for username in ("unit-b1", "prov-b", "unit-a2"):
        client = app.test_client()
        login(client, username)
        assert client.get(f"/files/{attachment.id}").status_code == 404, username


def test_upload_folder_outside_static(app):
    static = os.path.realpath(app.static_folder)
    assert not os.path.realpath(app.config["UPLOAD_FOLDER"]).startswith(static)
