"""Public certificate search: normalised input, the three misses, links that expire, the PDF."""

import re

import pytest

from models import Trainee
from tests.certificates.conftest import resident_id
from tests.conftest import csrf_token_from

NOT_FOUND = "未查询到证书"


@pytest.fixture
def holder(org_tree, make_issued_workshop):
    number = resident_id(birth="19850312", order=21)
    workshop, trainees = make_issued_workshop(org_tree["unit_a1"], [("王小明", number)], name="人工智能高级研修班")
    return {"id_number": number, "workshop": workshop, "trainee": trainees[0]}


@pytest.fixture
def holder_with_x(org_tree, make_issued_workshop):
    """A holder whose ID number ends in the check character X."""
    number = next(n for n in (resident_id(order=k) for k in range(100, 200)) if n.endswith("X"))
    _, trainees = make_issued_workshop(org_tree["unit_a2"], [("李雪", number)], name="现代农业研修班")
    return {"id_number": number, "trainee": trainees[0]}


def search(client, name, id_number, **extra):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post("/", data={"name": name, "id_number": id_number, "csrf_token": token, **extra})


def result_page(response) -> str:
    """The page without its per-session CSRF token, so that two pages can be compared."""
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", response.get_data(as_text=True))


def test_search_lists_certificate(client, holder):
    html = search(client, "王小明", holder["id_number"]).get_data(as_text=True)
    assert "人工智能高级研修班" in html
    assert holder["trainee"].certificate_number in html
    assert "2026-09-30" in html


def test_search_right_name_wrong_id(client, holder):
    wrong = resident_id(birth="19850312", order=22)
    html = search(client, "王小明", wrong).get_data(as_text=True)
    assert NOT_FOUND in html
    assert "人工智能高级研修班" not in html


def test_search_right_id_wrong_name(client, holder):
    html = search(client, "王小红", holder["id_number"]).get_data(as_text=True)
    assert NOT_FOUND in html
    assert holder["trainee"].certificate_number not in html


def test_search_not_yet_issued(client, org_tree, make_workshop, make_trainee):
    number = resident_id(order=31)
    make_trainee(make_workshop(org_tree["unit_a1"]), number, name="陈未发")
    html = search(client, "陈未发", number).get_data(as_text=True)
    assert NOT_FOUND in html


def test_three_misses_same_page(app, client, holder, org_tree, make_workshop, make_trainee):
    app.config["CAPTCHA_AFTER_MISSES"] = 10
    pending = resident_id(order=32)
    make_trainee(make_workshop(org_tree["unit_a1"]), pending, name="陈未发")
    unknown_id = result_page(search(client, "王小明", resident_id(order=33)))
    other_name = result_page(search(client, "王小红", holder["id_number"]))
    not_issued = result_page(search(client, "陈未发", pending))
    assert unknown_id == other_name == not_issued


def test_search_id_with_spaces_and_lower_x(client, holder_with_x):
    number = holder_with_x["id_number"]
    typed = f" {number[:6]} {number[6:14]} {number[14:-1]}x "
    html = search(client, "李雪", typed).get_data(as_text=True)
    assert "现代农业研修班" in html


def test_search_full_width_input(client, holder):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in holder["id_number"])
    html = search(client, "\u3000王小明\u3000", full_width).get_data(as_text=True)
    assert "人工智能高级研修班" in html


def test_search_requires_both_fields(client, holder):
    html = search(client, "", "").get_data(as_text=True)
    assert "请填写姓名。" in html
    assert "请填写身份证号。" in html


def test_search_never_echoes_id_number(client, holder, caplog):
    number = holder["id_number"]
    response = search(client, "王小明", number)
    assert number not in response.get_data(as_text=True)
    assert all(number not in record.getMessage() for record in caplog.records)
    assert "Location" not in response.headers


def test_invalid_form_does_not_echo_id_number(client, holder):
    response = search(client, "", holder["id_number"])
    assert "请填写姓名。" in response.get_data(as_text=True)
    assert holder["id_number"] not in response.get_data(as_text=True)


def test_search_without_csrf_token_rejected(client, holder):
    response = client.post("/", data={"name": "王小明", "id_number": holder["id_number"]})
    assert response.status_code == 400
    assert "人工智能高级研修班" not in response.get_data(as_text=True)


def test_search_response_not_cached(client, holder):
    response = search(client, "王小明", holder["id_number"])
    assert response.headers["Cache-Control"] == "no-store"


def certificate_link(client, holder) -> str:
    html = search(client, "王小明", holder["id_number"]).get_data(as_text=True)
    return re.search(r'href="(/certificate/[^"]+)"', html).group(1)


def test_link_token_opaque_and_unguessable(client, holder):
    link = certificate_link(client, holder)
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    assert holder["id_number"] not in link
    assert holder["trainee"].certificate_number not in link
    assert certificate_link(client, holder) != link
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.get(f"/certificate/{tampered}").status_code == 404


def test_certificate_page_masks_id(client, holder):
    html = client.get(certificate_link(client, holder)).get_data(as_text=True)
    assert holder["trainee"].id_number_masked in html
    assert holder["id_number"] not in html
    assert "打印证书" in html
    assert "王小明" in html


def test_certificate_link_expires(client, holder):
    from services.certificate_lookup import create_link

    link = f"/certificate/{create_link(holder['trainee'].id, minutes=-1)}"
    response = client.get(link)
    assert response.status_code == 404
    assert "链接已失效" in response.get_data(as_text=True)


def test_unknown_link_not_found(client, holder):
    assert client.get("/certificate/not-a-real-token").status_code == 404


def test_public_pdf_counts_print(client, holder):
    link = certificate_link(client, holder)
    response = client.get(link + "/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert Trainee.get_by_id(holder["trainee"].id).print_count == 1


def test_revoked_certificate_not_printable(client, holder):
    link = certificate_link(client, holder)
    Trainee.update(revoked=True).where(Trainee.id == holder["trainee"].id).execute()
    response = client.get(link + "/pdf")
    assert response.status_code == 410
    assert "该证书已撤销" in response.get_data(as_text=True)
    assert Trainee.get_by_id(holder["trainee"].id).print_count == 0
