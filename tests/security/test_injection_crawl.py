"""Hostile text in every kind of field, shown as text on every back-office page and inert in every export.

One unit carries markup in its organisation name, its user's display name,
workshop fields, trainee names, rejection reasons and uploaded file names,
at every stage from draft to issued certificates. Each role then crawls the
back office: every list page and every link on it that opens a row. No page
may contain a payload unescaped. Each export, reloaded with openpyxl, may hold
no formula and no text that a spreadsheet would read as one.
"""

import io
import random
import re

import pytest
from openpyxl import load_workbook

from models import CompletionMaterial, DeclarationStatus, Organisation, PlanChange, User, Workshop
from services import workflow
from services.demo import synthetic_id_number
from tests.conftest import login
from tests.security.conftest import _after_approval_rows, _issue_certificate

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
MARKUP = (SCRIPT, IMAGE)
FORMULAS = ["=1+2", "+1+2", "-1+2", "@SUM(1)", '=HYPERLINK("http://127.0.0.1:9/","点我")', "\t=1+2"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_PAGES = 400
SKIPPED_LINKS = ("/export/", "/delete/", "/logout", "/ajax/", "/files/", "/print", "/template", "pdf")


class _Rows:
    """A stand-in for the attack world that ignores the rows the after-approval helper reports."""

    def add(self, row, marker):
        pass


@pytest.fixture
def hostile(org_tree, make_workshop, make_attachment, make_trainee):
    """Payloads in every text field of unit A1, from a draft up to issued certificates."""
    rng = random.Random(11)
    unit = org_tree["unit_a1"]
    Organisation.update(name=f"{SCRIPT}单位", contact_person=IMAGE).where(Organisation.id == unit.id).execute()
    User.update(display_name=f"{IMAGE}张").where(User.id == org_tree["user_unit_a1"].id).execute()

    statuses = [DeclarationStatus.DRAFT, DeclarationStatus.MINISTRY_SUBMITTED, DeclarationStatus.APPROVED]
    for index, status in enumerate(statuses):
        attachment = make_attachment(unit, filename=f"{IMAGE}{index}.zip")
        workshop = make_workshop(
            unit,
            status=status,
            name=f"{SCRIPT}{index}",
            host_unit=IMAGE,
            place=FORMULAS[index],
            contact_person=FORMULAS[index + 3],
            purpose=SCRIPT + IMAGE,
            attachment=attachment,
        )
        for n, formula in enumerate(FORMULAS):
            make_trainee(workshop, synthetic_id_number(rng), name=formula if n % 2 else f"{IMAGE}{n}", phone="")
        if status == DeclarationStatus.MINISTRY_SUBMITTED:
            workflow.perform(org_tree["user_ministry"], workshop.id, "reject", SCRIPT + IMAGE)
        if status == DeclarationStatus.APPROVED:
            _after_approval_rows(_Rows(), workshop, org_tree["user_prov_a"], IMAGE)
            workflow.perform(org_tree["user_ministry"], workshop.id, "reject_plan", SCRIPT)
            change = PlanChange.get(PlanChange.workshop == workshop.id)
            workflow.perform_row(org_tree["user_ministry"], PlanChange, change.id, "reject_plan_change", IMAGE)
            material = CompletionMaterial.get(CompletionMaterial.workshop == workshop.id)
            workflow.perform_row(org_tree["user_ministry"], CompletionMaterial, material.id, "reject_material", SCRIPT)
            for trainee in workshop.trainees:
                _issue_certificate(workshop, trainee, "X")
    return Workshop.select().where(Workshop.organisation == unit.id)


def crawl(client):
    """Visit every admin list page and every row link on them; return {url: html}."""
    from tests.security.test_requests import admin_rules

    queue = [url for _endpoint, url, methods in admin_rules(client.application) if "GET" in methods]
    queue.append("/admin/")
    seen = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or any(part in url for part in SKIPPED_LINKS):
            continue
        response = client.get(url)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        seen[url] = html
        for link in re.findall(r'href="(/admin/[^"#]*)"', html):
            link = link.replace("&amp;", "&")
            if link not in seen and ("id=" in link or re.search(r"/\d+/?$", link)):
                queue.append(link)
    return seen


@pytest.mark.parametrize("username", ["ministry", "prov-a", "unit-a1", "platform-admin"])
def test_crawl_shows_payloads_as_text(app, hostile, username, scoreboard):
    client = app.test_client()
    login(client, username)
    pages = crawl(client)
    live = []
    for url, html in pages.items():
        for payload in MARKUP:
            if not scoreboard.attempt("xss: crawl of every page", payload not in html):
                live.append((url, payload))
    assert live == []
    assert len(pages) > 20
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in html for html in pages.values())


EXPORTS = {
    "ministry": ["/admin/workshops/export/xlsx/", "/admin/trainees/export/xlsx/", "/admin/completion/export/xlsx/"],
    "prov-a": ["/admin/workshops/export/xlsx/", "/admin/trainees/export/xlsx/", "/admin/completion/export/xlsx/"],
    "unit-a1": ["/admin/workshops/export/xlsx/"],
}


@pytest.mark.parametrize("username", sorted(EXPORTS))
def test_exports_hold_no_live_formulas(app, hostile, username, scoreboard):
    client = app.test_client()
    login(client, username)
    live = []
    for url in EXPORTS[username]:
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(response.data)).active
        texts = 0
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_START)):
                    live.append((url, cell.coordinate))
                texts += isinstance(cell.value, str)
                scoreboard.attempt("formula: export cell inert after reload", (url, cell.coordinate) not in live)
        assert texts > 0, url
    assert live == []
