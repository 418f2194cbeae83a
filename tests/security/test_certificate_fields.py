"""Markup in certificate fields reaches the PDF as text, through the back-office and the public print paths.

The payloads try to make xhtml2pdf fetch from a listener on 127.0.0.1, embed
a local file, or run code through a colour attribute. Each PDF must contain
the payload as literal text, one image per page (the QR code), and cause no
request and no file.
"""

import io
import os
import re
import tempfile

import pytest
from PIL import Image
from pypdf import PdfReader

from models import Organisation
from tests.certificates.conftest import resident_id
from tests.certificates.test_public_search import search
from tests.conftest import login, post


def payloads(url, secret):
    """(trainee name, workshop name) pairs, each within the 50-character limits of both fields."""
    pairs = [
        (f'<img src="{url}/n.png">', f'<img src="{url}/w.png">班'),
        (f"<link rel=stylesheet href={url}>", "样式表研修班"),
        (f'<p style="background:url({url})">', f"<i style=background:url({url}/c)>"),
        (f'<img src="file://{secret}">', f'<img src="{secret}">'),
        ("<font color=\"[open('zz','w')] and 'red'\">李</font>", "<font color=\"[open('yy','w')] and 'red'\">班</font>"),
        ('<pdf:barcode value="x" type="code128">', "<pdf:nextpage />研修班"),
    ]
    for name, workshop in pairs:
        assert len(name) <= 50, name
        assert len(workshop) <= 50, workshop
    return pairs


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_checks(data: bytes, name: str, workshop: str) -> dict:
    reader = PdfReader(io.BytesIO(data))
    text = compact("".join(page.extract_text() for page in reader.pages))
    return {
        "name printed as text": compact(name) in text,
        "workshop printed as text": compact(workshop) in text,
        "one image per page": data.count(b"/Subtype /Image") == len(reader.pages),
    }


@pytest.fixture
def secret():
    """A small image under a short path, so that a payload naming it fits the 50-character fields."""
    handle, name = tempfile.mkstemp(prefix="zg", suffix=".png", dir="/tmp")
    os.close(handle)
    Image.new("RGB", (8, 8), (255, 0, 0)).save(name)
    yield name
    os.unlink(name)


def test_payloads_printed_literally(
    app, client, org_tree, make_issued_workshop, loopback_listener, secret, tmp_path, monkeypatch, scoreboard
):
    monkeypatch.chdir(tmp_path)
    app.config["CAPTCHA_AFTER_MISSES"] = 1000
    app.config["SEARCH_RATE_LIMIT"] = "1000 per minute"
    url, requests = loopback_listener
    unit_client = app.test_client()
    login(unit_client, "unit-a1")
    failures = []
    for index, (name, workshop_name) in enumerate(payloads(url, secret)):
        id_number = resident_id(birth="19790101", order=index)
        workshop, _ = make_issued_workshop(org_tree["unit_a1"], [(name, id_number)], name=workshop_name)

        batch = post(unit_client, f"/admin/certificates/{workshop.id}/print", {"scope": "all"})
        assert batch.status_code == 200
        html = search(client, name, id_number).get_data(as_text=True)
        link = re.search(r'href="(/certificate/[^"]+)"', html).group(1)
        public = client.get(link + "/pdf")
        assert public.status_code == 200

        for path, response in (("batch print", batch), ("public print", public)):
            checks = pdf_checks(response.data, name, workshop_name)
            checks["no request to the listener"] = requests == []
            checks["no file written"] = not (tmp_path / "zz").exists() and not (tmp_path / "yy").exists()
            ok = all(checks.values())
            scoreboard.attempt("certificate field injection", ok)
            if not ok:
                failures.append((index, path, [check for check, passed in checks.items() if not passed]))
    assert failures == []
    assert requests == []


def test_organisation_name_markup_not_live(app, org_tree, make_issued_workshop, loopback_listener, scoreboard):
    """Organisation names shown on the back-office certificate pages are escaped."""
    url, requests = loopback_listener
    Organisation.update(name=f'<img src="{url}/o.png">单位').where(Organisation.id == org_tree["unit_a1"].id).execute()
    workshop, _ = make_issued_workshop(
        org_tree["unit_a1"], [("赵敏", resident_id(birth="19790101", order=90))], name="单位名称研修班"
    )
    client = app.test_client()
    login(client, "prov-a")
    pages = [
        client.get("/admin/certificates/").get_data(as_text=True),
        client.get(f"/admin/certificates/{workshop.id}/").get_data(as_text=True),
    ]
    for page in pages:
        live = f'<img src="{url}/o.png">' in page
        scoreboard.attempt("certificate field injection", not live)
        assert not live
    assert requests == []
