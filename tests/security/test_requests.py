"""Requests from outside the rules: no session, a dead session, no CSRF token, extra fields, redirects."""

import pytest

from models import Organisation, User, Workshop
from tests.conftest import PASSWORD, csrf_token, csrf_token_from, login
from tests.security.conftest import changed_rows, snapshot


def admin_rules(app):
    """Every route under /admin and /files, with a URL that fills its arguments."""
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/admin") or rule.rule.startswith("/files")) or rule.endpoint == "admin.static":
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", "xlsx").replace(f"<int:{argument}>", "1")
        methods = sorted(rule.methods & {"GET", "POST"})
        yield rule.endpoint, url, methods


def sent_to_login(response):
    return response.status_code == 302 and "/login" in response.headers["Location"]


def sweep_routes(app, client, token, refused_statuses, scoreboard, check) -> list:
    """Call every admin route with each of its methods and return the calls neither sent to login nor refused."""
    failures = []
    for endpoint, url, methods in admin_rules(app):
        for method in methods:
            data = {"csrf_token": token, "id": "1", "rowid": "1", "action": "approve"}
            response = client.open(url, method=method, data=data if method == "POST" else None)
            ok = sent_to_login(response) or response.status_code in refused_statuses
            if not scoreboard.attempt(check, ok):
                failures.append((endpoint, method, response.status_code))
    return failures


def test_routes_refuse_anonymous(app, scoreboard):
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    failures = sweep_routes(app, client, token, {403}, scoreboard, "sweep: anonymous")
    assert failures == []


def test_routes_refuse_deactivated_user(app, world, scoreboard):
    client = app.test_client()
    login(client, "unit-a1")
    token = csrf_token(client)
    User.update(is_active=False).where(User.username == "unit-a1").execute()
    failures = sweep_routes(app, client, token, {400, 403}, scoreboard, "sweep: deactivated user")
    assert failures == []


def test_post_without_csrf_token_refused(app, world, scoreboard):
    client = app.test_client()
    login(client, "platform-admin")
    before = snapshot()
    failures = []
    for endpoint, url, methods in admin_rules(app):
        if "POST" not in methods:
            continue
        for data in ({"id": "1"}, {"id": "1", "csrf_token": "forged-token"}):
            response = client.post(url, data=data | {"rowid": "1", "action": "delete"})
            if not scoreboard.attempt("csrf: missing or forged token", response.status_code == 400):
                failures.append((endpoint, response.status_code))
    for url in ("/logout", "/account/password"):
        response = client.post(url, data={"old_password": PASSWORD, "new_password": "New#Pass2026", "confirm": "New#Pass2026"})
        if not scoreboard.attempt("csrf: missing or forged token", response.status_code == 400):
            failures.append((url, response.status_code))
    assert failures == []
    assert changed_rows(before, snapshot()) == 0


def test_token_of_another_session_refused(app, world, scoreboard):
    victim, attacker = app.test_client(), app.test_client()
    login(victim, "platform-admin")
    login(attacker, "unit-b1")
    stolen = csrf_token(attacker)
    target = world.users["unit_a2"]
    response = victim.post("/admin/users/reset-password/", data={"id": target.id, "csrf_token": stolen})
    assert scoreboard.attempt("csrf: token of another session", response.status_code == 400)
    assert User.get_by_id(target.id).session_version == target.session_version


def test_get_crawl_writes_nothing(app, world, scoreboard):
    client = app.test_client()
    login(client, "platform-admin")
    before = snapshot()
    ids = {model.__name__: rows[0][0].id for model, rows in world.rows.items()}
    for _endpoint, url, methods in admin_rules(app):
        if "GET" not in methods:
            continue
        for row_id in set(ids.values()):
            client.get(f"{url}?id={row_id}").close()
        scoreboard.attempt("crawl: GET only", refused=True)
    assert changed_rows(before, snapshot()) == 0


EXTRA_FIELDS = {
    "status": "approved",
    "trainee_list_status": "approved",
    "trainee_list_locked": "",
    "certificate_status": "generated",
    "organisation": "{foreign_org}",
    "organisation_id": "{foreign_org}",
    "created_by": "{foreign_user}",
    "version": "999",
    "last_reason": "injected",
    "is_platform_admin": "y",
    "session_version": "1",
    "level": "1",
    "path": "/",
    "parent": "{foreign_org}",
}


def _extra(foreign_org, foreign_user):
    return {key: value.format(foreign_org=foreign_org.id, foreign_user=foreign_user.id) for key, value in EXTRA_FIELDS.items()}


def test_declaration_form_ignores_extra_fields(client, world, reference_data, scoreboard):
    from tests.test_declarations import form_data

    unit = world.organisations["unit_a1"]
    workshop = Workshop.get((Workshop.organisation == unit) & (Workshop.status == "draft"))
    login(client, "unit-a1")
    extra = _extra(world.organisations["unit_b1"], world.users["unit_b1"])
    data = form_data(reference_data["field"].id, name="正常修改", version=str(workshop.version)) | extra
    data["version"] = str(workshop.version)
    client.post(f"/admin/workshops/declare/edit/?id={workshop.id}", data=data | {"csrf_token": csrf_token(client)})
    after = Workshop.get_by_id(workshop.id)
    changed = [
        name
        for name in ("status", "organisation_id", "trainee_list_status", "certificate_status", "last_reason", "created_by_id")
        if getattr(after, name) != getattr(workshop, name)
    ]
    assert scoreboard.attempt("mass assignment: declaration", changed == [])
    assert after.name == "正常修改"

    client.post("/admin/workshops/declare/", data=form_data(reference_data["field"].id, name="新建带额外字段") | extra)
    created = Workshop.get_or_none(Workshop.name == "新建带额外字段")
    ok = created is None or (created.organisation_id == unit.id and created.status == "draft")
    assert scoreboard.attempt("mass assignment: declaration", ok)


def test_user_form_ignores_extra_fields(client, world, scoreboard):
    login(client, "prov-a")
    target = world.users["unit_a2"]
    extra = _extra(world.organisations["unit_b1"], world.users["unit_b1"])
    data = {"display_name": "改名", "organisation": str(world.organisations["unit_a1"].id), "is_active": "y"}
    client.post(f"/admin/users/edit/?id={target.id}", data=extra | data | {"csrf_token": csrf_token(client)})
    after = User.get_by_id(target.id)
    assert scoreboard.attempt("mass assignment: user", not after.is_platform_admin)
    assert after.username == target.username
    assert after.password_hash == target.password_hash

    client.post(f"/admin/users/edit/?id={target.id}", data=extra | {"csrf_token": csrf_token(client), "display_name": "再改"})
    assert scoreboard.attempt(
        "mass assignment: user", User.get_by_id(target.id).organisation_id != world.organisations["unit_b1"].id
    )


def test_organisation_form_ignores_extra_fields(client, world, scoreboard):
    login(client, "prov-a")
    unit = world.organisations["unit_a2"]
    extra = _extra(world.organisations["prov_b"], world.users["unit_b1"])
    data = extra | {"name": unit.name, "code": unit.code, "is_active": "y", "csrf_token": csrf_token(client)}
    client.post(f"/admin/organisations/edit/?id={unit.id}", data=data)
    after = Organisation.get_by_id(unit.id)
    ok = (after.parent_id, after.level, after.path) == (unit.parent_id, unit.level, unit.path)
    assert scoreboard.attempt("mass assignment: organisation", ok)


REDIRECT_PAYLOADS = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "http://localhost@evil.example/",
    "javascript:alert(1)",
    " //evil.example",
    "/%2F%2Fevil.example",
    "https://localhost.evil.example/",
    "\t//evil.example",
]


def _stays_on_site(response):
    if response.status_code not in (301, 302, 303, 307, 308):
        return True
    location = response.headers["Location"]
    return location.startswith("/") and not location.startswith("//") and "\\" not in location


@pytest.mark.parametrize("payload", REDIRECT_PAYLOADS)
def test_login_next_payload_stays_on_site(app, org_tree, payload, scoreboard):
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "unit-a1", "password": PASSWORD, "csrf_token": token, "next": payload})
    assert scoreboard.attempt("open redirect: next", _stays_on_site(response))


@pytest.mark.parametrize("payload", REDIRECT_PAYLOADS)
def test_admin_url_payload_stays_on_site(app, world, payload, scoreboard):
    client = app.test_client()
    login(client, "unit-a1")
    workshop = world.own_rows(world.users["unit_a1"], Workshop)[0][0]
    response = client.post(
        "/admin/workshops/transition/",
        data={"id": workshop.id, "action": "submit", "url": payload, "csrf_token": csrf_token(client)},
    )
    details = client.get(f"/admin/workshops/details/?id=999999&url={payload}")
    assert scoreboard.attempt("open redirect: url", _stays_on_site(response) and _stays_on_site(details))


def test_spoofed_host_header_refused(app, world, scoreboard):
    client = app.test_client()
    login(client, "unit-a1")
    response = client.get("/admin/workshops/details/?id=999999&url=http://evil.example/", headers={"Host": "evil.example"})
    assert scoreboard.attempt("open redirect: spoofed host", response.status_code == 400 or _stays_on_site(response))


def _replay(app, cookie):
    thief = app.test_client()
    thief.set_cookie("zhigeng_session", cookie)
    return thief.get("/admin/")


@pytest.mark.parametrize("event", ["logout", "password change", "role change", "deactivation"])
def test_captured_cookie_replays_fail(app, world, event, scoreboard):
    cookies = []
    for _ in range(5):
        client = app.test_client()
        login(client, "unit-a2")
        cookies.append(client.get_cookie("zhigeng_session").value)
    user = world.users["unit_a2"]
    if event == "logout":
        client.post("/logout", data={"csrf_token": csrf_token(client)})
    elif event == "password change":
        client.post(
            "/account/password",
            data={
                "old_password": PASSWORD,
                "new_password": "Other#Pass2026",
                "confirm": "Other#Pass2026",
                "csrf_token": csrf_token(client),
            },
        )
    elif event == "role change":
        admin = app.test_client()
        login(admin, "prov-a")
        admin.post(
            f"/admin/users/edit/?id={user.id}",
            data={
                "display_name": user.display_name,
                "organisation": world.organisations["unit_a1"].id,
                "is_active": "y",
                "csrf_token": csrf_token(admin),
            },
        )
    else:
        admin = app.test_client()
        login(admin, "prov-a")
        admin.post(
            f"/admin/users/edit/?id={user.id}",
            data={
                "display_name": user.display_name,
                "organisation": world.organisations["unit_a2"].id,
                "csrf_token": csrf_token(admin),
            },
        )
    accepted = [cookie for cookie in cookies if not sent_to_login(_replay(app, cookie))]
    for cookie in cookies:
        scoreboard.attempt("session: replay after " + event, cookie not in accepted)
    assert accepted == []


def test_login_backoff_and_same_message(app, org_tree, scoreboard):
    client = app.test_client()
    wrong = login(client, "unit-a1", "Wrong#Pass1").get_data(as_text=True)
    unknown = login(client, "no-such-user", "Wrong#Pass1").get_data(as_text=True)
    assert scoreboard.attempt(
        "login: same message for unknown user", ("用户名或密码错误。" in wrong) and ("用户名或密码错误。" in unknown)
    )
    for _ in range(4):
        login(client, "unit-a1", "Wrong#Pass1")
    locked = login(client, "unit-a1", PASSWORD).get_data(as_text=True)
    assert scoreboard.attempt("login: account backoff after 5 failures", "登录失败次数过多" in locked)


def test_login_address_throttled(app, org_tree, scoreboard):
    """Failures spread over many account names still throttle the client address."""
    client = app.test_client()
    limit = app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    for n in range(limit):
        login(client, f"guess-{n}", "Wrong#Pass1")
    refused = login(client, "unit-a1", PASSWORD).get_data(as_text=True)
    assert scoreboard.attempt("login: client address throttled", "登录失败次数过多" in refused)
