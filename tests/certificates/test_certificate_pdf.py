"""Certificate PDFs: Chinese text and glyphs, the QR code, escaping, no fetches, page structure, fonts."""

import io
import re
import subprocess
import sys

import html5lib
import pytest
import reportlab
from PIL import Image
from pypdf import PdfReader

from services import certificate_fonts, certificate_pdf, certificates
from tests.certificates.conftest import resident_id

BASE_URL = "https://zhigeng.example.cn"


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def page_image(path, page=1, dpi=100):
    prefix = path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(path), str(prefix)], check=True
    )
    return prefix.with_suffix(".png")


def dark_pixels(image, box) -> int:
    """Count nearly black pixels inside ``box`` (left, top, right, bottom in pixels)."""
    histogram = image.convert("L").crop(box).histogram()
    return sum(histogram[:100])


def font_file_count(path) -> int:
    """Number of embedded TrueType font programs in the file."""
    return len(re.findall(rb"/FontFile2", path.read_bytes()))


@pytest.fixture
def render_pdf(app, tmp_path):
    """Factory: ``render_pdf(trainees, workshop, name)`` writes the certificates and returns the path."""

    def factory(trainees, workshop, name="certificates.pdf"):
        path = tmp_path / name
        path.write_bytes(certificates.render(trainees, workshop, BASE_URL))
        return path

    return factory


@pytest.fixture
def one_certificate(org_tree, make_issued_workshop):
    workshop, trainees = make_issued_workshop(org_tree["unit_a1"], [("张三丰", resident_id())], name="人工智能高级研修班")
    return workshop, trainees[0]


def test_pdf_text_has_chinese_fields(one_certificate, render_pdf):
    workshop, trainee = one_certificate
    text = pdf_text(render_pdf([trainee], workshop))
    compact = re.sub(r"\s+", "", text)
    for expected in (
        "国家专业技术人员知识更新工程",
        "培训证书",
        "姓名",
        "证书编号",
        "身份证号",
        "研修项目",
        "培训时间",
        "学时",
        "发证时间",
    ):
        assert expected in compact, expected
    assert "张三丰" in text
    assert trainee.certificate_number in text
    assert "人工智能高级研修班" in text
    assert "2026年9月1日至2026年9月7日" in text
    assert "2026年9月30日" in text


def test_pdf_masks_id_number_by_default(one_certificate, render_pdf):
    workshop, trainee = one_certificate
    text = pdf_text(render_pdf([trainee], workshop))
    assert trainee.id_number_masked in text
    assert re.search(r"\d{17}[\dX]", text) is None


def test_pdf_full_id_number_when_workshop_asks(one_certificate, render_pdf):
    workshop, trainee = one_certificate
    workshop.certificate_full_id = True
    full = certificates.cipher().decrypt(trainee.id_number_encrypted)
    assert full in pdf_text(render_pdf([trainee], workshop))


def test_pdf_embeds_cjk_font_subset(one_certificate, render_pdf):
    workshop, trainee = one_certificate
    path = render_pdf([trainee], workshop)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in listing.splitlines() if "WenQuanYiZenHei" in line]
    assert cjk, listing
    assert all(re.search(r"TrueType .* yes +yes", line) for line in cjk), listing  # embedded as a subset
    assert "STSong" not in listing


def test_name_drawn_as_glyphs(one_certificate, render_pdf):
    workshop, trainee = one_certificate
    image = Image.open(page_image(render_pdf([trainee], workshop)))
    # The name follows its label on the first field row: about 44-80 mm from
    # the left and 92-104 mm from the top of the A4 page.
    per_mm = image.width / 210
    box = (int(44 * per_mm), int(92 * per_mm), int(80 * per_mm), int(104 * per_mm))
    assert dark_pixels(image, box) > 150
    # Missing glyphs (.notdef) print as solid boxes, so a name of three real
    # glyphs has far fewer dark pixels than three boxes would.
    assert dark_pixels(image, box) < (box[2] - box[0]) * (box[3] - box[1]) // 3


def test_qr_code_decodes_to_verify_url(one_certificate, render_pdf):
    workshop, trainee = one_certificate
    image_path = page_image(render_pdf([trainee], workshop), dpi=150)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image_path)], capture_output=True, text=True, check=True)
    assert decoded.stdout.strip() == f"{BASE_URL}/verify/{trainee.verify_token}"


def test_one_page_per_certificate_in_order(org_tree, make_issued_workshop, render_pdf):
    people = [(name, resident_id()) for name in ("赵一", "钱二", "孙三", "李四")]
    workshop, trainees = make_issued_workshop(org_tree["unit_a1"], people)
    reader = PdfReader(render_pdf(trainees, workshop))
    assert len(reader.pages) == 4
    for page, trainee in zip(reader.pages, trainees, strict=True):
        text = page.extract_text()
        assert trainee.certificate_number in text
        assert [t.certificate_number for t in trainees if t.certificate_number in text] == [trainee.certificate_number]


def test_nextpage_tags_are_siblings(app):
    """A self-closing <pdf:nextpage /> would nest each later page inside the one before."""
    entry = {
        "name": "甲",
        "id_label": "身份证号",
        "id_number": "320102********0011",
        "number": "N1",
        "workshop": "研修班",
        "period": "",
        "hours": "8",
        "issued": "",
        "verify_url": BASE_URL + "/verify/x",
    }
    with app.test_request_context():
        html = certificate_pdf.render_html([entry] * 30, certificates.certificate_labels())
    assert "<pdf:nextpage />" not in html
    document = html5lib.parse(html, namespaceHTMLElements=False)
    breaks = [element for element in document.iter() if element.tag == "pdf:nextpage"]
    assert len(breaks) == 29
    assert all(len(element) == 0 for element in breaks)


def test_font_embedded_once_per_document(org_tree, make_issued_workshop, render_pdf):
    people = [("同名", resident_id()) for _ in range(12)]
    workshop, trainees = make_issued_workshop(org_tree["unit_a1"], people)
    single = render_pdf(trainees[:1], workshop, "one.pdf")
    batch = render_pdf(trainees, workshop, "twelve.pdf")
    assert font_file_count(batch) == font_file_count(single)


def test_font_file_read_once_per_process(one_certificate, render_pdf):
    workshop, trainee = one_certificate
    render_pdf([trainee], workshop, "first.pdf")
    font_path = certificate_fonts.registered_font().path
    opened = []

    def watch(event, args):
        if event == "open" and args and str(args[0]).endswith(font_path.rsplit("/", 1)[-1]):
            opened.append(args[0])

    sys.addaudithook(watch)
    render_pdf([trainee], workshop, "second.pdf")
    render_pdf([trainee], workshop, "third.pdf")
    assert opened == []


def test_fallback_font_warns(one_certificate, render_pdf, caplog):
    workshop, trainee = one_certificate
    certificate_fonts.forget_font()
    original = certificate_fonts.SYSTEM_FONTS
    certificate_fonts.SYSTEM_FONTS = ("/nonexistent/font.ttc",)
    try:
        font = certificate_fonts.certificate_font("")
        path = render_pdf([trainee], workshop)
    finally:
        certificate_fonts.SYSTEM_FONTS = original
        certificate_fonts.forget_font()
        certificate_fonts.certificate_font("")
    assert not font.embedded
    assert "STSong-Light" in subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert any("No TrueType CJK font found" in record.getMessage() for record in caplog.records)


def test_configured_font_path_is_used(app):
    certificate_fonts.forget_font()
    try:
        font = certificate_fonts.certificate_font("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0")
    finally:
        certificate_fonts.forget_font()
    assert font.embedded
    assert font.path.endswith("#0")


def test_non_cjk_font_is_skipped(app):
    certificate_fonts.forget_font()
    try:
        font = certificate_fonts.certificate_font("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    finally:
        certificate_fonts.forget_font()
    assert font.embedded
    assert "DejaVu" not in font.path


def test_markup_in_name_is_text_and_fetches_nothing(org_tree, make_issued_workshop, render_pdf, loopback_listener):
    url, requests = loopback_listener
    name = f'<b>王</b><img src="{url}/n">'
    workshop, trainees = make_issued_workshop(org_tree["unit_a1"], [(name, resident_id())], name=f'<img src="{url}/w.png">班')
    path = render_pdf(trainees, workshop)
    compact = re.sub(r"\s+", "", PdfReader(path).pages[0].extract_text())
    assert "<b>王</b><img" in compact
    assert f'{url}/n">' in compact
    assert requests == []
    assert b"/Subtype /Image" in path.read_bytes()  # the QR code only
    assert path.read_bytes().count(b"/Subtype /Image") == 1


def test_policy_blocks_fetch_of_raw_markup(app, loopback_listener):
    """Even markup that bypassed escaping cannot make xhtml2pdf fetch a URL."""
    url, requests = loopback_listener
    certificate_fonts.certificate_font("")
    pdf = certificate_pdf.html_to_pdf(f'<html><body><p>x</p><img src="{url}/raw.png"></body></html>')
    assert pdf.startswith(b"%PDF")
    assert requests == []


def test_policy_blocks_local_file_read(app, tmp_path):
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(secret)
    certificate_fonts.certificate_font("")
    pdf = certificate_pdf.html_to_pdf(f'<html><body><img src="{secret}"><img src="file://{secret}"></body></html>')
    assert b"/Subtype /Image" not in pdf


def test_colour_attribute_payload_stays_text(org_tree, make_issued_workshop, render_pdf, tmp_path, monkeypatch):
    """reportlab before 3.6.13 evaluated code in colour attributes (CVE-2023-33733)."""
    monkeypatch.chdir(tmp_path)
    payload = "<font color=\"[open('zz','w')] and 'red'\">李</font>"
    workshop, trainees = make_issued_workshop(org_tree["unit_a1"], [(payload, resident_id())])
    path = render_pdf(trainees, workshop)
    assert not (tmp_path / "zz").exists()
    assert "<font color=" in pdf_text(path)
    version = tuple(int(part) for part in reportlab.Version.split(".")[:3])
    assert version >= (3, 6, 13)


def test_parallel_batch_keeps_order(app):
    entries = [
        {
            "name": "甲乙",
            "id_label": "身份证号",
            "id_number": "320102********0011",
            "number": f"N{index:03d}",
            "workshop": "研修班",
            "period": "",
            "hours": "8",
            "issued": "",
            "verify_url": f"{BASE_URL}/verify/{index}",
        }
        for index in range(certificate_pdf.PARALLEL_MIN + 10)
    ]
    with app.test_request_context():
        labels = certificates.certificate_labels()
    pdf = certificate_pdf.render_certificates(entries, labels, workers=2)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(entries)
    for index in (0, 44, 45, len(entries) - 1):
        assert f"N{index:03d}" in reader.pages[index].extract_text()
