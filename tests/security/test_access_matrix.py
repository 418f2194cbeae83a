"""Every admin path tried on rows of another subtree: nothing succeeds, nothing foreign shows, nothing changes."""

import re

import pytest

from admin_views.base import SecureModelView
from models import DeclarationYear, ProfessionalField
from tests.conftest import csrf_token, login
from tests.security.conftest import changed_rows, snapshot

ATTACKERS = ["prov_a", "unit_a1", "unit_b2"]
# Reference data is shared by everyone and managed by platform administrators.
REFERENCE_MODELS = {ProfessionalField, DeclarationYear}
GENERIC_ENDPOINTS = {
    "index_view",
    "details_view",
    "edit_view",
    "create_view",
    "delete_view",
    "action_view",
    "export",
    "ajax_lookup",
    "ajax_update",
    "static",
}
REFUSED_STATUSES = {302, 400, 403, 404}
# Foreign rows tried per view and attacker; each is tried on every path.
ROWS_SAMPLE = 3


def model_views(app):
    admin = app.extensions["admin"][0]
    return [view for view in admin._views if isinstance(view, SecureModelView)]


def view_url(view, name):
    return f"{view.url}/{name}"


LEAKS = []


def refused(response, markers):
    """Whether the response refused the request or at least showed none of the foreign markers."""
    # The search box and the pager links repeat the user's own search term; that is not a leak.
    body = re.sub(r'<input[^>]*name="search"[^>]*>', "", response.get_data(as_text=True))
    body = re.sub(r"search(=|%3D)[^\"&%]*", "", body)
    shown = [marker for marker in markers if marker in body]
    if response.status_code in REFUSED_STATUSES or not shown:
        return True
    LEAKS.append((response.request.path, response.status_code, shown[:5]))
    return False


# Endpoints outside Flask-Admin's generic set, each with the request that tries
# it on a foreign row: (method, url pattern with {id}, form data).
ROUTE_ATTACKS = {
    "workshops.edit_declaration_view": [
        ("GET", "/admin/workshops/declare/edit/?id={id}", None),
        ("POST", "/admin/workshops/declare/edit/?id={id}", {"name": "越权", "version": "1"}),
    ],
    "workshops.review_view": [("GET", "/admin/workshops/review/?id={id}", None)],
    "workshops.transition_view": [
        ("POST", "/admin/workshops/transition/", {"id": "{id}", "action": action})
        for action in (
            "submit",
            "submit_own_to_ministry",
            "forward_to_ministry",
            "self_host",
            "initial_approve",
            "initial_reject",
            "approve",
            "reject",
        )
    ],
    "workshops.delete_declaration_view": [("POST", "/admin/workshops/declare/delete/", {"id": "{id}"})],
    "workshops.bulk_view": [
        ("POST", "/admin/workshops/bulk/", {"rowid": "{id}", "action": "approve"}),
        ("POST", "/admin/workshops/bulk/", {"rowid": "{id}", "action": "reject", "reason": "x"}),
    ],
    "users.reset_password_view": [("POST", "/admin/users/reset-password/", {"id": "{id}"})],
    "files.download": [("GET", "/files/{id}", None)],
    "opening_plans.submit_view": [
        ("GET", "/admin/opening_plans/submit/?id={id}", None),
        ("POST", "/admin/opening_plans/submit/?id={id}", {"id": "{id}"}),
    ],
    "opening_plans.plan_view": [("GET", "/admin/opening_plans/view/?id={id}", None)],
    "opening_plans.review_view": [
        ("POST", "/admin/opening_plans/review/", {"id": "{id}", "action": action, "reason": "x"})
        for action in ("approve_plan", "reject_plan")
    ],
    "opening_plans.bulk_view": [
        ("POST", f"/admin/opening_plans/bulk/{action}/", {"rowid": "{id}", "reason": "x"})
        for action in ("approve_plan", "reject_plan")
    ],
    "plan_changes.change_view": [("GET", "/admin/plan_changes/view/?id={id}", None)],
    "plan_changes.review_view": [
        ("POST", "/admin/plan_changes/review/", {"id": "{id}", "action": action, "reason": "x"})
        for action in ("approve_plan_change", "reject_plan_change")
    ],
    "plan_changes.bulk_view": [
        ("POST", f"/admin/plan_changes/bulk/{action}/", {"rowid": "{id}", "reason": "x"})
        for action in ("approve_plan_change", "reject_plan_change")
    ],
    "plan_changes.file_view": [
        ("GET", "/admin/plan_changes/file/?workshop_id={id}", None),
        ("POST", "/admin/plan_changes/file/", {"workshop": "{id}", "new_place": "越权", "reason": "越权"}),
    ],
    "completion_materials.workshop_view": [("GET", "/admin/completion_materials/{id}/", None)],
    "certificates.workshop": [("GET", "/admin/certificates/{id}/", None)],
    "completion.submit_view": [("GET", "/admin/completion/submit/?id={id}", None)],
    "completion.reject_view": [("GET", "/admin/completion/reject/?ids={id}", None)],
    "completion.transition_view": [
        ("POST", "/admin/completion/transition/", {"id": "{id}", "action": action, "reason": "x"})
        for action in ("submit_trainee_list", "approve_trainee_list", "reject_trainee_list")
    ],
    "trainee_import.upload": [
        ("GET", "/admin/trainee-import/{id}/", None),
        ("POST", "/admin/trainee-import/{id}/", {}),
    ],
    "trainee_import.template": [("GET", "/admin/trainee-import/{id}/template.xlsx", None)],
    "certificates.print_pdf": [("POST", "/admin/certificates/{id}/print", {"scope": "all"})],
    "certificates.id_display": [("POST", "/admin/certificates/{id}/id-display", {"full_id": "1"})],
    "completion_materials.upload_view": [("POST", "/admin/completion_materials/{id}/upload/summary_report/", {})],
    "completion_materials.review_view": [
        ("POST", "/admin/completion_materials/{id}/review/", {"action": action, "reason": "x"})
        for action in ("approve_material", "reject_material")
    ],
}
# The model whose foreign rows each custom endpoint is tried with.
ROUTE_MODELS = {
    "workshops.edit_declaration_view": "Workshop",
    "workshops.review_view": "Workshop",
    "workshops.transition_view": "Workshop",
    "workshops.delete_declaration_view": "Workshop",
    "workshops.bulk_view": "Workshop",
    "users.reset_password_view": "User",
    "files.download": "Attachment",
    "opening_plans.submit_view": "Workshop",
    "opening_plans.plan_view": "Workshop",
    "opening_plans.review_view": "Workshop",
    "opening_plans.bulk_view": "Workshop",
    "plan_changes.change_view": "PlanChange",
    "plan_changes.review_view": "PlanChange",
    "plan_changes.bulk_view": "PlanChange",
    "plan_changes.file_view": "Workshop",
    "completion_materials.workshop_view": "Workshop",
    "certificates.workshop": "Workshop",
    "completion.submit_view": "Workshop",
    "completion.reject_view": "Workshop",
    "completion.transition_view": "Workshop",
    "trainee_import.upload": "Workshop",
    "trainee_import.template": "Workshop",
    "certificates.print_pdf": "Workshop",
    "certificates.id_display": "Workshop",
    "completion_materials.upload_view": "Workshop",
    "completion_materials.review_view": "Workshop",
}
# Endpoints that take no row id; they create rows of the user's own organisation
# or return files built for the user, and have tests of their own.
NO_ROW_ENDPOINTS = {
    "workshops.declare_view",
    "workshops.template_view",
    "workshops.upload_template_view",
    "completion_materials.index",
    "certificates.index",
    "trainee_import.index",
}
# Endpoints reached through an import job's token; test_import_job_of_another_user
# tries them with a job that another user started.
JOB_ENDPOINTS = {"trainee_import.job", "trainee_import.status", "trainee_import.marked"}


def test_every_model_view_has_an_owner_rule(app, world):
    from tests.security.conftest import owner_of

    for view in model_views(app):
        if view.model in REFERENCE_MODELS:
            continue
        rows = world.rows.get(view.model)
        assert rows, f"the attack world has no {view.model.__name__} rows for view {view.endpoint}"
        owner_of(rows[0][0])


def test_every_admin_endpoint_is_swept(app):
    prefixes = {view.endpoint for view in model_views(app)}
    uncovered = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        view_name, _, method = endpoint.partition(".")
        if view_name in prefixes and method in GENERIC_ENDPOINTS:
            continue
        if not (rule.rule.startswith("/admin") or rule.rule.startswith("/files")):
            continue
        if endpoint in ROUTE_ATTACKS or endpoint in NO_ROW_ENDPOINTS or endpoint in JOB_ENDPOINTS:
            continue
        if endpoint in ("admin.index", "admin.static"):
            continue
        uncovered.append(endpoint)
    assert uncovered == []


def _attack_model_view(client, view, foreign, markers, board):
    """Try every generic path of ``view`` on the foreign rows; return the count of leaks."""
    leaks = 0
    for url in (view_url(view, "?page_size=100"), view_url(view, "?search=" + foreign[0][1])):
        response = client.get(url)
        leaks += not board.attempt("access: list", refused(response, markers))
    if view.can_export:
        response = client.get(view_url(view, "export/xlsx/"))
        body = response.data
        leaked = any(marker.encode() in body for marker in markers)
        leaks += not board.attempt("access: export", response.status_code in REFUSED_STATUSES or not leaked)
    ids = [str(row.id) for row, _marker in foreign]
    for row, marker in foreign:
        for page in ("details/", "edit/"):
            response = client.get(view_url(view, f"{page}?id={row.id}"))
            leaks += not board.attempt(f"access: {page.strip('/')}", refused(response, [marker]))
        token = csrf_token(client)
        response = client.post(view_url(view, f"edit/?id={row.id}"), data={"csrf_token": token, "name": "越权修改"})
        leaks += not board.attempt("access: edit POST", refused(response, [marker]))
        response = client.post(view_url(view, "delete/"), data={"csrf_token": token, "id": row.id})
        board.attempt("access: delete", response.status_code in REFUSED_STATUSES)
        for name in list(view._actions_data):
            response = client.post(view_url(view, "action/"), data={"csrf_token": token, "action": name, "rowid": ids})
            leaks += not board.attempt("access: bulk action", refused(response, markers))
        for name in view._form_ajax_refs or {}:
            response = client.get(view_url(view, f"ajax/lookup/?name={name}&query=&limit=1000"))
            leaks += not board.attempt("access: ajax lookup", refused(response, markers))
        response = client.post(
            view_url(view, "ajax/update/"), data={"csrf_token": token, "list_form_pk": row.id, "name": "越权修改"}
        )
        board.attempt("access: ajax update", response.status_code in REFUSED_STATUSES)
    return leaks


def _attack_routes(client, world, user, board):
    leaks = 0
    by_name = {model.__name__: model for model in world.rows}
    for endpoint, attempts in ROUTE_ATTACKS.items():
        model = by_name[ROUTE_MODELS[endpoint]]
        for row, marker in world.foreign_rows(user, model)[:3]:
            for method, url, data in attempts:
                if method == "GET":
                    response = client.get(url.format(id=row.id))
                else:
                    form = {key: value.format(id=row.id) for key, value in data.items()}
                    form["csrf_token"] = csrf_token(client)
                    response = client.post(url.format(id=row.id), data=form)
                leaks += not board.attempt(f"access: {endpoint}", refused(response, [marker]))
    return leaks


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_foreign_rows_unreachable(app, client, world, attacker, scoreboard):
    user = world.users[attacker]
    login(client, user.username)
    markers = world.foreign_markers(user)
    before = snapshot()

    leaks = 0
    for view in model_views(app):
        if view.model in REFERENCE_MODELS:
            continue
        foreign = world.foreign_rows(user, view.model)
        if foreign:
            leaks += _attack_model_view(client, view, foreign[:ROWS_SAMPLE], markers, scoreboard)
    leaks += _attack_routes(client, world, user, scoreboard)

    lost = changed_rows(before, snapshot())
    scoreboard.add("access: rows changed by attacks", rows_lost=lost)
    assert leaks == 0, LEAKS
    assert lost == 0


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_own_rows_reachable(app, client, world, attacker):
    user = world.users[attacker]
    login(client, user.username)
    for view in model_views(app):
        if view.model in REFERENCE_MODELS:
            continue
        listing = client.get(view_url(view, "?page_size=100"))
        if listing.status_code == 403:
            continue
        own = world.own_rows(user, view.model)
        body = listing.get_data(as_text=True)
        visible = [(row, marker) for row, marker in own if marker in body]
        assert visible, f"{view.endpoint}: none of the user's own rows listed"
        row, marker = visible[-1]
        if view.can_view_details:
            details = client.get(view_url(view, f"details/?id={row.id}"))
            assert details.status_code == 200, view.endpoint


def test_import_job_of_another_user(app, world, scoreboard):
    import io

    from openpyxl import Workbook

    from models import DeclarationStatus, Workshop

    workshop = Workshop.get(
        (Workshop.organisation == world.organisations["unit_a1"]) & (Workshop.status == DeclarationStatus.APPROVED)
    )
    workbook = Workbook()
    workbook.active.append(["姓名", "完成学时", "身份证号", "联系电话"])
    workbook.active.append(["李雷", "40", "110105194912310021", "13800000001"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    owner = app.test_client()
    login(owner, "prov-a")
    response = owner.post(
        f"/admin/trainee-import/{workshop.id}/",
        data={"csrf_token": csrf_token(owner), "file": (io.BytesIO(buffer.getvalue()), "名单.xlsx")},
        content_type="multipart/form-data",
    )
    token = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    assert owner.get(f"/admin/trainee-import/job/{token}/").status_code == 200

    for username in ("prov-b", "unit-a1", "platform-admin"):
        intruder = app.test_client()
        login(intruder, username)
        for suffix in ("", "status", "marked.xlsx"):
            response = intruder.get(f"/admin/trainee-import/job/{token}/{suffix}")
            assert scoreboard.attempt("access: import job of another user", response.status_code in (403, 404)), (
                username,
                suffix,
            )
