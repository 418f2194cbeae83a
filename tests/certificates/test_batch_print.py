"""Batch printing (批量打印) in the back office: scoping, selection, print counts, the ID setting."""

import io

import pytest
from pypdf import PdfReader

from models import AuditRecord, CertificateStatus, Trainee, Workshop
from services import certificate_fonts
from tests.certificates.conftest import resident_id
from tests.conftest import login, post


@pytest.fixture
def unit_workshop(org_tree, make_issued_workshop):
    """A workshop of unit A1 with three issued certificates."""
    people = [("赵敏", resident_id()), ("钱进", resident_id()), ("孙悦", resident_id())]
    return make_issued_workshop(org_tree["unit_a1"], people, name="江苏数字经济研修班")


def print_url(workshop):
    return f"/admin/certificates/{workshop.id}/print"


def print_counts(trainees):
    return [Trainee.get_by_id(trainee.id).print_count for trainee in trainees]


def test_list_shows_only_subtree(client, unit_workshop, org_tree, make_issued_workshop):
    make_issued_workshop(org_tree["unit_b1"], [("周航", resident_id())], name="广东外省研修班")
    login(client, "prov-a")
    html = client.get("/admin/certificates/").get_data(as_text=True)
    assert "江苏数字经济研修班" in html
    assert "广东外省研修班" not in html


def test_workshop_page_lists_trainees_masked(client, unit_workshop):
    workshop, trainees = unit_workshop
    login(client, "unit-a1")
    html = client.get(f"/admin/certificates/{workshop.id}/").get_data(as_text=True)
    assert "赵敏" in html
    assert trainees[0].id_number_masked in html
    assert trainees[0].certificate_number in html


def test_print_all_one_page_each(client, unit_workshop):
    workshop, trainees = unit_workshop
    login(client, "prov-a")
    response = post(client, print_url(workshop), {"scope": "all"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 3
    assert print_counts(trainees) == [1, 1, 1]


def test_print_selected_counts_only_those(client, unit_workshop):
    workshop, trainees = unit_workshop
    login(client, "unit-a1")
    response = post(client, print_url(workshop), {"scope": "selected", "trainee_id": [str(trainees[0].id), str(trainees[2].id)]})
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    assert trainees[2].certificate_number in reader.pages[1].extract_text()
    assert print_counts(trainees) == [1, 0, 1]


def test_print_writes_audit_record(client, unit_workshop):
    workshop, _ = unit_workshop
    login(client, "unit-a1")
    post(client, print_url(workshop), {"scope": "all"})
    record = AuditRecord.get(AuditRecord.action == "certificate_print")
    assert record.workshop_id == workshop.id
    assert record.detail == "打印证书 3 份。"


@pytest.mark.parametrize("username", ["unit-b1", "prov-b", "unit-a2"])
def test_other_subtree_cannot_print(client, unit_workshop, username):
    workshop, trainees = unit_workshop
    login(client, username)
    response = post(client, print_url(workshop), {"scope": "all"})
    assert response.status_code == 404
    assert response.mimetype != "application/pdf"
    assert print_counts(trainees) == [0, 0, 0]


def test_other_subtree_cannot_open_workshop_page(client, unit_workshop):
    workshop, _ = unit_workshop
    login(client, "unit-b1")
    response = client.get(f"/admin/certificates/{workshop.id}/")
    assert response.status_code == 404
    assert "赵敏" not in response.get_data(as_text=True)


def test_foreign_trainee_ids_are_ignored(client, unit_workshop, org_tree, make_issued_workshop):
    """Ids of another workshop's trainees in the form print nothing of that workshop."""
    workshop, trainees = unit_workshop
    _, foreign = make_issued_workshop(org_tree["unit_b1"], [("周航", resident_id())])
    login(client, "unit-a1")
    response = post(client, print_url(workshop), {"scope": "selected", "trainee_id": [str(foreign[0].id)]})
    assert response.status_code == 302
    assert Trainee.get_by_id(foreign[0].id).print_count == 0
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "所选学员中没有可打印的证书" in html


def test_nothing_selected_message(client, unit_workshop):
    workshop, trainees = unit_workshop
    login(client, "unit-a1")
    response = post(client, print_url(workshop), {"scope": "selected"}, follow_redirects=True)
    assert "请至少选择一份要打印的证书" in response.get_data(as_text=True)
    assert print_counts(trainees) == [0, 0, 0]


def test_revoked_certificate_not_printed(client, unit_workshop):
    workshop, trainees = unit_workshop
    Trainee.update(revoked=True).where(Trainee.id == trainees[1].id).execute()
    login(client, "unit-a1")
    response = post(client, print_url(workshop), {"scope": "all"})
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 2
    assert print_counts(trainees) == [1, 0, 1]


def test_not_generated_workshop_refused(client, unit_workshop):
    workshop, trainees = unit_workshop
    Workshop.update(certificate_status=CertificateStatus.NOT_GENERATED).where(Workshop.id == workshop.id).execute()
    login(client, "unit-a1")
    response = post(client, print_url(workshop), {"scope": "all"}, follow_redirects=True)
    assert "该高研班的证书尚未生成" in response.get_data(as_text=True)
    assert print_counts(trainees) == [0, 0, 0]


def test_batch_limit_message(app, client, unit_workshop):
    workshop, trainees = unit_workshop
    app.config["CERTIFICATE_BATCH_MAX"] = 2
    login(client, "unit-a1")
    response = post(client, print_url(workshop), {"scope": "all"}, follow_redirects=True)
    assert "已选择 3 份证书，一个 PDF 最多 2 份" in response.get_data(as_text=True)
    assert print_counts(trainees) == [0, 0, 0]


def test_ministry_sets_full_id(client, unit_workshop):
    workshop, _ = unit_workshop
    login(client, "ministry")
    post(client, f"/admin/certificates/{workshop.id}/id-display", {"full_id": "1"})
    assert Workshop.get_by_id(workshop.id).certificate_full_id is True
    assert AuditRecord.get(AuditRecord.action == "certificate_id_display").detail == "证书上打印完整身份证号。"


def test_province_cannot_set_full_id(client, unit_workshop):
    workshop, _ = unit_workshop
    login(client, "prov-a")
    response = post(client, f"/admin/certificates/{workshop.id}/id-display", {"full_id": "1"}, follow_redirects=True)
    assert "只有人社部专技司可以设置" in response.get_data(as_text=True)
    assert Workshop.get_by_id(workshop.id).certificate_full_id is False


def test_print_requires_login(client, unit_workshop):
    workshop, trainees = unit_workshop
    response = client.get(f"/admin/certificates/{workshop.id}/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_dashboard_warns_admin_on_fallback_font(client, org_tree):
    certificate_fonts.forget_font()
    original = certificate_fonts.SYSTEM_FONTS
    certificate_fonts.SYSTEM_FONTS = ()
    try:
        login(client, "platform-admin")
        html = client.get("/admin/").get_data(as_text=True)
    finally:
        certificate_fonts.SYSTEM_FONTS = original
        certificate_fonts.forget_font()
        certificate_fonts.certificate_font("")
    assert "未找到 TrueType 中文字体" in html


def test_dashboard_quiet_with_embedded_font(client, org_tree):
    login(client, "platform-admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "未找到 TrueType 中文字体" not in html


def test_other_subtree_cannot_set_full_id(client, unit_workshop):
    workshop, _ = unit_workshop
    login(client, "prov-b")
    response = post(client, f"/admin/certificates/{workshop.id}/id-display", {"full_id": "1"})
    assert response.status_code == 404
    assert Workshop.get_by_id(workshop.id).certificate_full_id is False
