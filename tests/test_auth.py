"""Login, logout, throttling, sessions and CSRF."""

import pytest

from models import User
from services import auth
from tests.conftest import PASSWORD, csrf_token, login, post


def test_login_page_is_chinese(client):
    html = client.get("/login").get_data(as_text=True)
    assert "管理后台登录" in html
    assert "用户名" in html and "密码" in html


def test_login_success_goes_to_dashboard(client, org_tree):
    response = login(client, "unit-a1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert "您好" in client.get("/admin/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_same_message(client, org_tree):
    wrong = login(client, "unit-a1", "Wrong#Pass1").get_data(as_text=True)
    unknown = login(client, "nobody-here", "Wrong#Pass1").get_data(as_text=True)
    assert "用户名或密码错误。" in wrong
    assert "用户名或密码错误。" in unknown


def test_inactive_user_cannot_log_in(client, org_tree):
    User.update(is_active=False).where(User.username == "unit-a1").execute()
    assert "用户名或密码错误。" in login(client, "unit-a1").get_data(as_text=True)


def test_account_throttle_after_five_failures(client, org_tree):
    for _ in range(5):
        login(client, "unit-a1", "Wrong#Pass1")
    response = login(client, "unit-a1", PASSWORD)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_unknown_account_throttled_like_known(client, org_tree):
    for _ in range(5):
        login(client, "ghost-user", "Wrong#Pass1")
    assert "登录失败次数过多" in login(client, "ghost-user", "Wrong#Pass1").get_data(as_text=True)


def test_address_throttle_across_accounts(app, client, org_tree):
    limit = app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    for index in range(limit):
        login(client, f"someone-{index}", "Wrong#Pass1")
    response = login(client, "unit-b1", PASSWORD)
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_success_clears_account_failures(client, org_tree):
    for _ in range(4):
        login(client, "unit-a1", "Wrong#Pass1")
    assert login(client, "unit-a1").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    for _ in range(4):
        login(client, "unit-a1", "Wrong#Pass1")
    assert login(client, "unit-a1").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
    ],
)
def test_login_next_stays_on_site(client, org_tree, target):
    page = client.get("/login")
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/login", data={"username": "unit-a1", "password": PASSWORD, "csrf_token": token, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_login_next_local_path_kept(client, org_tree):
    client.get("/login?next=/admin/workshops/")
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "unit-a1", "password": PASSWORD, "csrf_token": token, "next": "/admin/workshops/"}
    )
    assert response.headers["Location"] == "/admin/workshops/"


def _session_cookie(client):
    cookie = client.get_cookie("zhigeng_session")
    assert cookie is not None
    return cookie.value


def test_copied_cookie_dead_after_logout(app, client, org_tree):
    login(client, "unit-a1")
    copied = _session_cookie(client)
    post(client, "/logout")

    thief = app.test_client()
    thief.set_cookie("zhigeng_session", copied)
    response = thief.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(app, client, org_tree):
    login(client, "unit-a1")
    other = app.test_client()
    login(other, "unit-a1")
    response = post(
        client,
        "/account/password",
        {"old_password": PASSWORD, "new_password": "Brand#New2026", "confirm": "Brand#New2026"},
    )
    assert response.status_code == 302
    assert other.get("/admin/").status_code == 302
    assert login(app.test_client(), "unit-a1", "Brand#New2026").status_code == 302


def test_password_change_weak_password_refused(client, org_tree):
    login(client, "unit-a1")
    response = post(client, "/account/password", {"old_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert "密码至少需要 8 位" in response.get_data(as_text=True)
    assert login(client.application.test_client(), "unit-a1").status_code == 302


def test_deactivation_ends_sessions(app, client, org_tree):
    login(client, "unit-a1")
    User.update(is_active=False).where(User.username == "unit-a1").execute()
    assert client.get("/admin/").status_code == 302


def test_session_cookie_flags(client, org_tree):
    login(client, "unit-a1")
    cookie = client.get_cookie("zhigeng_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure


def test_session_cookie_secure_over_https(app, org_tree):
    https_client = app.test_client()
    page = https_client.get("/login", base_url="https://localhost")
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page.get_data(as_text=True))
    https_client.post(
        "/login",
        data={"username": "unit-a1", "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
    )
    assert https_client.get_cookie("zhigeng_session", domain="localhost").secure


def test_session_expires_after_idle_time(app, client, org_tree):
    import datetime

    login(client, "unit-a1")
    app.config["PERMANENT_SESSION_LIFETIME"] = datetime.timedelta(seconds=-1)
    assert client.get("/admin/").status_code == 302


def test_post_without_csrf_rejected(client, org_tree):
    login(client, "unit-a1")
    response = client.post("/logout")
    assert response.status_code == 400
    assert "表单已失效" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200


def test_login_without_csrf_rejected(client, org_tree):
    response = client.post("/login", data={"username": "unit-a1", "password": PASSWORD})
    assert response.status_code == 400


def test_password_hash_is_argon2id(org_tree):
    user = User.get(User.username == "unit-a1")
    assert user.password_hash.startswith("$argon2id$")


def test_generated_password_is_strong():
    for _ in range(20):
        auth.check_password_strength(auth.generate_password())
