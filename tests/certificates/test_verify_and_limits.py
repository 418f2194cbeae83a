"""Certificate verification (QR token, number and name), rate limits and the captcha."""

import hashlib
import itertools

import pytest

from extensions import limiter
from models import Trainee
from services import captcha
from tests.certificates.conftest import resident_id
from tests.conftest import csrf_token_from


@pytest.fixture
def holder(org_tree, make_issued_workshop):
    number = resident_id(birth="19790208", order=41)
    _, trainees = make_issued_workshop(org_tree["unit_b1"], [("欧阳娜娜", number)], name="生物医药高级研修班")
    return {"id_number": number, "trainee": trainees[0]}


def verify_by_number(client, number, name, **extra):
    token = csrf_token_from(client.get("/verify").get_data(as_text=True))
    return client.post("/verify", data={"number": number, "name": name, "csrf_token": token, **extra})


def search(client, name, id_number, **extra):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post("/", data={"name": name, "id_number": id_number, "csrf_token": token, **extra})


def test_verify_token_shows_valid(client, holder):
    trainee = holder["trainee"]
    response = client.get(f"/verify/{trainee.verify_token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "证书真实有效" in html
    assert "欧**娜" in html
    assert "欧阳娜娜" not in html
    assert trainee.id_number_masked in html
    assert holder["id_number"] not in html
    assert "生物医药高级研修班" in html
    assert "2026年9月1日至2026年9月7日" in html


def test_verify_token_shows_revoked(client, holder):
    trainee = holder["trainee"]
    Trainee.update(revoked=True).where(Trainee.id == trainee.id).execute()
    html = client.get(f"/verify/{trainee.verify_token}").get_data(as_text=True)
    assert "该证书已撤销" in html
    assert "证书真实有效" not in html


def test_verify_unknown_token(client, holder):
    response = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert "未查询到证书" in response.get_data(as_text=True)


def test_verify_by_number_and_name(client, holder):
    trainee = holder["trainee"]
    html = verify_by_number(client, f" {trainee.certificate_number.lower()} ", "欧阳娜娜").get_data(as_text=True)
    assert "证书真实有效" in html
    assert "欧**娜" in html


def test_verify_by_number_wrong_name(client, holder):
    html = verify_by_number(client, holder["trainee"].certificate_number, "欧阳菲菲").get_data(as_text=True)
    assert "未查询到证书" in html
    assert "生物医药高级研修班" not in html


def test_search_rate_limit_engages(app, client, holder):
    app.config["CAPTCHA_AFTER_MISSES"] = 100
    app.config["SEARCH_RATE_LIMIT"] = "3 per minute"
    statuses = [search(client, "欧阳娜娜", holder["id_number"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    html = search(client, "欧阳娜娜", holder["id_number"]).get_data(as_text=True)
    assert "您所在地址的请求过于频繁，请过几分钟再试。" in html


def test_every_limit_of_a_setting_applies(app, client, holder):
    """A setting with two limits refuses at whichever is reached first, here the second."""
    app.config["CAPTCHA_AFTER_MISSES"] = 100
    app.config["SEARCH_RATE_LIMIT"] = "5 per minute;3 per hour"
    statuses = [search(client, "欧阳娜娜", holder["id_number"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_verify_rate_limit_engages(app, client, holder):
    app.config["VERIFY_RATE_LIMIT"] = "2 per minute"
    token = holder["trainee"].verify_token
    statuses = [client.get(f"/verify/{token}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def solve(challenge_id):
    """Find the code of a challenge by trying every code against the stored hashes."""
    for letters in itertools.product(captcha.ALPHABET, repeat=captcha.LENGTH):
        answer = "".join(letters)
        digest = hashlib.sha256(f"{challenge_id}:{answer}".encode()).hexdigest()
        if limiter.storage.get(f"zhigeng-captcha/{digest}"):
            return answer
    raise AssertionError("no stored answer")


def miss(client, times):
    for _ in range(times):
        search(client, "无此人", resident_id(order=99))


def test_captcha_shown_after_misses(client, holder):
    assert "验证码" not in client.get("/").get_data(as_text=True)
    miss(client, 3)
    assert "验证码" in client.get("/").get_data(as_text=True)


def test_captcha_wrong_answer_refused(client, holder):
    miss(client, 3)
    client.get("/captcha.png")
    html = search(client, "欧阳娜娜", holder["id_number"], captcha="0000").get_data(as_text=True)
    assert "验证码不正确" in html
    assert "生物医药高级研修班" not in html


def test_captcha_right_answer_passes_once(client, holder):
    miss(client, 3)
    response = client.get("/captcha.png")
    assert response.mimetype == "image/png"
    with client.session_transaction() as session:
        challenge_id = session["captcha_id"]
    answer = solve(challenge_id)
    html = search(client, "欧阳娜娜", holder["id_number"], captcha=answer.lower()).get_data(as_text=True)
    assert "生物医药高级研修班" in html
    again = search(client, "欧阳娜娜", holder["id_number"], captcha=answer).get_data(as_text=True)
    assert "验证码不正确" in again


def test_captcha_answer_not_in_session(client, holder):
    miss(client, 3)
    client.get("/captcha.png")
    with client.session_transaction() as session:
        challenge_id = session["captcha_id"]
        stored = dict(session)
    answer = solve(challenge_id)
    assert answer not in str(stored)


def test_captcha_image_only_when_required(client, holder):
    assert client.get("/captcha.png").status_code == 404
    miss(client, 3)
    assert client.get("/captcha.png").status_code == 200


def test_search_works_with_rate_limits_off(tmp_path, database_url, org_tree):
    """With ZHIGENG_RATELIMIT_ENABLED=0 there is no storage: misses are not counted and no captcha is asked."""
    from app import create_app

    other = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "off"),
            "DATABASE_URL": database_url,
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
            "TRUSTED_HOSTS": ["localhost"],
        }
    )
    client = other.test_client()
    for _ in range(4):
        html = search(client, "无此人", resident_id(order=98)).get_data(as_text=True)
        assert "未查询到证书" in html
    assert "验证码" not in html
