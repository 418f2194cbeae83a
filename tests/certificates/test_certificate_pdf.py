"""Certificate PDFs: Chinese text and glyphs, the QR code, escaping, no fetches, page structure."""

import subprocess

from pypdf import PdfReader

from services import certificates
from tests.certificates.conftest import resident_id


def test_smoke(app, org_tree, make_issued_workshop, tmp_path):
    workshop, trainees = make_issued_workshop(org_tree["unit_a1"], [("张三丰", resident_id()), ("李四", resident_id())])
    pdf = certificates.render(trainees, workshop, "http://localhost")
    (tmp_path / "c.pdf").write_bytes(pdf)
    print(subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True).stdout)
    assert len(PdfReader(tmp_path / "c.pdf").pages) == 2
