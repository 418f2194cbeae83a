"""Every admin list and form page renders for the roles that may open it."""

import pytest

from tests.conftest import login

PAGES = {
    "platform-admin": [
        "/admin/",
        "/admin/workshops/",
        "/admin/organisations/",
        "/admin/organisations/new/",
        "/admin/users/",
        "/admin/users/new/",
        "/admin/fields/",
        "/admin/fields/new/",
        "/admin/years/",
        "/admin/audit/",
    ],
    "ministry": ["/admin/", "/admin/workshops/", "/admin/audit/"],
    "prov-a": ["/admin/", "/admin/workshops/", "/admin/organisations/", "/admin/users/", "/admin/users/new/"],
    "unit-a1": ["/admin/", "/admin/workshops/"],
}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_pages_render_for_role(client, org_tree, make_workshop, username):
    make_workshop(org_tree["unit_a1"])
    login(client, username)
    for url in PAGES[username]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "知识更新工程管理平台" in response.get_data(as_text=True), url


def test_details_and_edit_pages_render(client, org_tree, make_workshop):
    workshop = make_workshop(org_tree["unit_a1"])
    login(client, "platform-admin")
    for url in (
        f"/admin/workshops/details/?id={workshop.id}",
        f"/admin/users/edit/?id={org_tree['user_unit_a1'].id}",
        f"/admin/users/details/?id={org_tree['user_unit_a1'].id}",
        f"/admin/organisations/edit/?id={org_tree['unit_a1'].id}",
    ):
        assert client.get(url).status_code == 200, url


def test_unit_refused_system_pages(client, org_tree):
    login(client, "unit-a1")
    for url in ("/admin/fields/", "/admin/years/", "/admin/audit/", "/admin/users/new/"):
        assert client.get(url).status_code == 403, url
