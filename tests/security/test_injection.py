"""Hostile text in every field is shown as text on pages and neutralised in exports."""

import io

from openpyxl import load_workbook

from models import Workshop
from services import workflow
from tests.conftest import login

SCRIPT = "<script>alert('x')</script>"
IMAGE = '<img src="http://127.0.0.1:9/x" onerror="alert(1)">'
FORMULA = '=HYPERLINK("http://evil.example","点我")'


def test_payloads_render_as_text(client, org_tree, make_workshop, make_attachment, scoreboard):
    attachment = make_attachment(org_tree["unit_a1"], filename=f"{IMAGE}.zip")
    workshop = make_workshop(
        org_tree["unit_a1"],
        name=SCRIPT[:50],
        host_unit=IMAGE,
        place=FORMULA,
        contact_person="<b>粗体</b>",
        purpose=SCRIPT + IMAGE,
        attachment=attachment,
        status="ministry_submitted",
    )
    workflow.perform(org_tree["user_ministry"], workshop.id, "reject", SCRIPT + IMAGE)
    login(client, "ministry")
    pages = [
        "/admin/",
        "/admin/workshops/",
        f"/admin/workshops/details/?id={workshop.id}",
        "/admin/audit/",
    ]
    unescaped = []
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for payload in (SCRIPT, IMAGE, "<b>粗体</b>"):
            if not scoreboard.attempt("xss: payload shown as text", payload not in html):
                unescaped.append((url, payload))
    assert unescaped == []
    html = client.get(f"/admin/workshops/details/?id={workshop.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in html


def test_export_has_no_live_formulas(client, org_tree, make_workshop, scoreboard):
    make_workshop(org_tree["unit_b1"], name=FORMULA[:50], host_unit="+1+1", place="-2+3", contact_person="@SUM(A1)")
    login(client, "unit-b1")
    sheet = load_workbook(io.BytesIO(client.get("/admin/workshops/export/xlsx/").data)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    formulas = [
        cell.coordinate for cell in cells if cell.data_type == "f" or str(cell.value or "").startswith(("=", "+", "-", "@"))
    ]
    for cell in cells:
        scoreboard.attempt("formula: export cell inert", cell.coordinate not in formulas)
    assert formulas == []
    assert Workshop.select().count() == 1
