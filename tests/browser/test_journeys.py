"""Whole journeys of real users in headless Chromium, each from a fresh demo database."""

import re
import subprocess
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader

from models import Trainee, Workshop
from services.certificate_lookup import mask_name
from services.crypto import cipher
from services.idnumbers import with_check_digit
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

NEW_WORKSHOP = "区块链技术与应用创新高级研修班"


def fill_declaration(page, archive):
    page.fill("#name", NEW_WORKSHOP)
    page.fill("#host_unit", "南京工业大学")
    page.select_option("#field", label="新一代信息技术")
    page.fill("#amount", "18.50")
    page.fill("#start_date", "2026-10-12")
    page.fill("#end_date", "2026-10-18")
    page.fill("#place", "南京市")
    page.fill("#planned_trainees", "45")
    page.fill("#contact_person", "刘老师")
    page.fill("#contact_phone", "025-88886666")
    page.fill("#purpose", "围绕区块链关键技术开展研修，提升专业技术人员的创新能力。")
    page.set_input_files("#attachment", str(archive))


def row_of(page, name):
    return page.locator("table.model-list tbody tr", has_text=name)


def row_selector(name):
    return f"table.model-list tbody tr:has-text('{name}')"


def test_declaration_to_bulk_approval(visitor, declaration_archive):
    unit = visitor()
    unit.login("unit-a1")
    unit.shot("01-unit-dashboard")
    unit.goto("/admin/workshops/declare/")
    fill_declaration(unit.page, declaration_archive)
    unit.shot("02-declaration-form")
    unit.click("button[name=_submit]")
    assert f"“{NEW_WORKSHOP}”已保存并提交。" in unit.text()
    assert "初报提交" in unit.text()
    unit.shot("03-submitted")
    workshop_id = re.search(r"id=(\d+)", unit.page.url).group(1)

    province = visitor()
    province.login("prov-a")
    assert re.search(r"(?<!\d)2\s*待您初审的申报", province.text())
    province.goto("/admin/workshops/")
    row_of(province.page, NEW_WORKSHOP).locator("a", has_text="初审").click()
    province.page.wait_for_load_state()
    assert "初审通过" in province.text() and "初审驳回" in province.text()
    assert "申报材料（盖章）.zip" in province.text()
    province.shot("04-initial-review")
    province.click("button:has-text('初审通过')")
    assert "初审通过 已完成" in province.text()
    province.click("button:has-text('提交专技司')")
    assert "提交专技司 已完成" in province.text()
    province.shot("05-forwarded")

    ministry = visitor()
    ministry.login("ministry")
    assert re.search(r"(?<!\d)3\s*待专技司审核的申报", ministry.text())
    ministry.goto("/admin/workshops/?flt0_1=ministry_submitted")
    rows = ministry.page.locator("table.model-list tbody tr")
    assert rows.count() == 3
    row_of(ministry.page, NEW_WORKSHOP).locator("input.action-checkbox").check()
    row_of(ministry.page, "碳达峰碳中和路径与技术高级研修班").locator("input.action-checkbox").check()
    ministry.shot("06-ministry-selects")
    ministry.click("a.dropdown-toggle:has-text('选中的')")
    ministry.click("a:has-text('审核通过')")
    assert "确认批量操作：审核通过" in ministry.text()
    ministry.shot("07-bulk-confirmation")
    ministry.click("button:has-text('确认：审核通过')")
    assert "已处理 2 个高研班。" in ministry.text()
    ministry.shot("08-bulk-done")

    ministry.goto(f"/admin/workshops/details/?id={workshop_id}")
    timeline = ministry.page.inner_text(".timeline")
    for step in ("申报新建 → 初报提交", "初报提交 → 初审通过", "初审通过 → 提交专技司", "提交专技司 → 审核通过"):
        assert step in timeline
    ministry.shot("09-timeline")

    for person in (unit, province, ministry):
        assert person.errors == [], person.errors
        assert person.english == [], person.english


# Journey 2: opening documents, trainee import, list review and batch printing.

DIGITAL = "数字经济与产业数字化高级研修班"
# Synthetic trainees: (name, completed hours, first 17 characters of the ID number, phone).
PEOPLE = [
    ("钱文博", 40, "32010619840315001", "13800000001"),
    ("孙佳怡", 40, "32010619900722002", "13800000002"),
    ("周子涵", 32, "32010219871109003", "13800000003"),
    ("吴思远", 40, "32050419930201004", "13800000004"),
    ("郑雨桐", 48, "32010619950618005", "13800000005"),
]


def opening_documents(folder):
    """An opening notice as PDF and an implementation plan as a minimal Word document."""
    notice = folder / "开班通知.pdf"
    notice.write_bytes(b"%PDF-1.4\n% opening notice of the demo workshop\n")
    plan = folder / "实施方案.docx"
    with zipfile.ZipFile(plan, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return notice, plan


def fill_template(template, target, rows):
    """Write trainee rows below the header row of the downloaded template, as a person would in Excel."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook.active
    header_row = next(row[0].row for row in sheet.iter_rows() if row[0].value == "姓名")
    for offset, (name, hours, number, phone) in enumerate(rows, start=1):
        for column, value in enumerate((name, hours, number, phone), start=1):
            sheet.cell(row=header_row + offset, column=column, value=value)
    workbook.save(target)
    return header_row


def trainee_rows():
    return [(name, hours, with_check_digit(first17), phone) for name, hours, first17, phone in PEOPLE]


def wrong_check_character(number):
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def import_workbook(person, path):
    """Upload a workbook on the import page, replacing the list, and wait for the outcome."""
    person.page.set_input_files("#import-file", str(path))
    if person.page.locator("#import-replace").count():
        person.page.check("#import-replace")
    person.click("button:has-text('开始导入')")
    person.page.wait_for_selector(".alert-success, .alert-danger")
    person.check_language()


def test_trainee_list_to_batch_print(visitor, tmp_path):
    province = visitor()
    province.login("prov-a")
    province.goto("/admin/opening_plans/")
    row_of(province.page, DIGITAL).locator("a", has_text="上报").click()
    province.page.wait_for_load_state()
    notice, plan = opening_documents(tmp_path)
    province.page.set_input_files("#opening_notice", str(notice))
    province.page.set_input_files("#implementation_plan", str(plan))
    assert "开班通知.pdf" in province.page.inner_text(".custom-file-label[for=opening_notice]")
    province.shot("01-opening-documents")
    province.click("button:has-text('提交审核')")
    assert f"“{DIGITAL}”的开班通知和方案已提交审核。" in province.text()
    assert "待审核" in province.page.inner_text(".card-body")
    province.shot("02-opening-documents-submitted")

    ministry = visitor()
    ministry.login("ministry")
    ministry.goto("/admin/opening_plans/")
    row = row_of(ministry.page, DIGITAL)
    assert "已上报" in row.inner_text()
    row.locator("a", has_text="查看").click()
    ministry.page.wait_for_load_state()
    assert "开班通知.pdf" in ministry.text()
    assert "实施方案.docx" in ministry.text()
    ministry.shot("03-ministry-reviews-opening-documents")
    ministry.click("button:has-text('审核通过')")
    assert "审核通过" in ministry.page.inner_text(".status-badge")
    ministry.shot("04-opening-documents-approved")

    province.goto("/admin/completion/")
    template = province.download(f"{row_selector(DIGITAL)} a:has-text('下载导入模板')")
    assert template.suffix == ".xlsx"
    row_of(province.page, DIGITAL).locator("a", has_text="导入学员").click()
    province.page.wait_for_load_state()
    assert "名单状态：未提交；名单中现有 9 名学员。" in province.text()

    rows = trainee_rows()
    bad = list(rows)
    bad[1] = (bad[1][0], bad[1][1], wrong_check_character(bad[1][2]), bad[1][3])
    bad[3] = ("", bad[3][1], bad[3][2], bad[3][3])
    header_row = fill_template(template, tmp_path / "学员名单（有误）.xlsx", bad)
    fill_template(template, tmp_path / "学员名单.xlsx", rows)
    province.page.set_input_files("#import-file", str(tmp_path / "学员名单（有误）.xlsx"))
    province.shot("05-import-form")
    import_workbook(province, tmp_path / "学员名单（有误）.xlsx")
    assert "未导入任何学员：发现 2 处问题" in province.text()
    problems = province.page.locator("table tbody tr")
    assert problems.count() == 2
    assert problems.nth(0).locator("td").nth(0).inner_text() == str(header_row + 2)
    assert problems.nth(0).locator("td").nth(1).inner_text() == "身份证号"
    assert problems.nth(1).locator("td").nth(0).inner_text() == str(header_row + 4)
    assert problems.nth(1).locator("td").nth(1).inner_text() == "姓名"
    province.shot("06-import-errors")
    marked = openpyxl.load_workbook(province.download("a:has-text('下载已标注错误单元格的工作簿')")).active
    assert "校验码" in marked.cell(row=header_row + 2, column=3).comment.text
    assert marked.cell(row=header_row + 4, column=1).comment is not None

    province.click("a:has-text('导入更正后的文件')")
    assert "名单中现有 9 名学员" in province.text()
    import_workbook(province, tmp_path / "学员名单.xlsx")
    assert "已导入 5 名学员。" in province.text()
    province.shot("07-import-done")

    province.goto("/admin/completion/")
    assert "未提交 5 人" in row_of(province.page, DIGITAL).inner_text()
    row_of(province.page, DIGITAL).locator("a", has_text="提交").click()
    province.page.wait_for_load_state()
    assert "提交后名单即被锁定" in province.text()
    province.click("button:has-text('提交并锁定名单')")
    assert "提交：已处理 1 份名单。" in province.text()
    assert "已提交，待审核 5 人" in row_of(province.page, DIGITAL).inner_text()
    province.shot("08-list-submitted")

    ministry.goto("/admin/")
    assert re.search(r"(?<!\d)1\s*待审核的学员名单", ministry.text())
    ministry.goto("/admin/completion/?flt0_1=submitted")
    assert ministry.page.locator("table.model-list tbody tr").count() == 1
    ministry.shot("09-ministry-reviews-list")
    row_of(ministry.page, DIGITAL).locator("button", has_text="审核通过").click()
    ministry.page.wait_for_load_state()
    ministry.check_language()
    assert "审核通过：已处理 1 份名单。" in ministry.text()
    ministry.goto("/admin/completion/")
    row = row_of(ministry.page, DIGITAL).inner_text()
    assert "审核通过 5 人" in row
    assert "已生成" in row
    ministry.shot("10-list-approved")

    province.goto("/admin/completion/")
    row_of(province.page, DIGITAL).locator("a", has_text="批量打印").click()
    province.page.wait_for_load_state()
    printed = province.page.locator("table tbody tr")
    assert printed.count() == 5
    for index, (name, _hours, number, _phone) in enumerate(rows):
        cells = printed.nth(index).inner_text()
        assert name in cells
        assert number[:6] + "********" + number[-4:] in cells
        assert re.search(r"ZG2026-\d{6}-\d{5}", cells)
    province.shot("11-batch-print")
    pdf = province.download("button:has-text('全部打印')")
    assert pdf.read_bytes().startswith(b"%PDF")
    document = PdfReader(pdf)
    assert len(document.pages) == 5
    assert rows[0][0] in document.pages[0].extract_text()
    province.page.reload()
    times_printed = [printed.nth(index).locator("td").nth(5).inner_text() for index in range(5)]
    assert times_printed == ["1"] * 5

    province.goto("/admin/completion/")
    row_of(province.page, DIGITAL).locator("a", has_text="结业材料").click()
    province.page.wait_for_load_state()
    province.check_language()
    timeline = province.page.inner_text(".timeline")
    assert "导入学员名单" in timeline
    assert "导入学员 5 名。" in timeline
    assert "替换原名单中的学员 9 名。" in timeline
    assert "核发证书编号 5 个。" in timeline
    assert "打印证书 5 份。" in timeline
    province.shot("12-timeline")

    for person in (province, ministry):
        assert person.errors == [], person.errors
        assert person.english == [], person.english


# Journey 3: a member of the public finds, prints and verifies a certificate on a phone.

CERTIFIED = "新一代人工智能与智能制造高级研修班"


def certified_trainee(app):
    """The first trainee of the demo workshop whose certificates are issued, with the full ID number."""
    with app.app_context():
        workshop = Workshop.get(Workshop.name == CERTIFIED)
        trainee = Trainee.select().where(Trainee.workshop == workshop.id).order_by(Trainee.id).first()
        return trainee, cipher().decrypt(trainee.id_number_encrypted)


def render_first_page(pdf_path, image_path):
    """Render the first page of a PDF as a PNG image with poppler's pdftoppm."""
    stem = image_path.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(pdf_path), str(stem)], check=True)
    return image_path


def qr_code_text(image_path):
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image_path)], capture_output=True, text=True, check=True)
    return decoded.stdout.strip()


def test_public_search_print_and_verify(visitor, live_app, tmp_path):
    trainee, id_number = certified_trainee(live_app)
    public = visitor(phone=True)
    public.goto("/")
    assert "证书查询" in public.text()
    public.page.fill("#name", trainee.name)
    public.page.fill("#id_number", id_number)
    public.shot("01-search")
    public.click("button:has-text('查询')")
    results = public.page.inner_text("#results")
    assert "查询到的证书" in results
    assert f"项目名称：{CERTIFIED}" in results
    assert f"证书编号：{trainee.certificate_number}" in results
    assert id_number not in public.page.content()
    public.shot("02-results")

    public.click("a.result-link")
    certificate = public.page.inner_text(".certificate-card")
    assert "培训证书" in certificate
    assert trainee.name in certificate
    assert trainee.id_number_masked in certificate
    assert trainee.certificate_number in certificate
    assert id_number not in public.page.content()
    public.shot("03-certificate")

    tab, pdf = public.open_pdf("a:has-text('打印证书')")
    pdf_path = tmp_path / "certificate.pdf"
    pdf_path.write_bytes(pdf)
    document = PdfReader(pdf_path)
    assert len(document.pages) == 1
    assert trainee.certificate_number in document.pages[0].extract_text()
    # The PDF page itself, rendered, is the record of what the visitor printed.
    page_image = render_first_page(pdf_path, SCREENSHOTS / f"{public.journey}-04-printed.png")
    verify_url = qr_code_text(page_image)
    assert verify_url == f"{public.base_url}/verify/{trainee.verify_token}"
    tab.close()

    public.goto(verify_url.removeprefix(public.base_url))
    verification = public.page.inner_text("#verification")
    assert "证书真实有效" in verification
    assert trainee.certificate_number in verification
    assert CERTIFIED in verification
    assert mask_name(trainee.name) in verification
    assert trainee.name not in verification
    public.shot("05-verified")

    public.goto("/")
    public.page.fill("#name", trainee.name)
    public.page.fill("#id_number", with_check_digit("11010519800101999"))
    public.click("button:has-text('查询')")
    assert "未查询到证书" in public.page.inner_text("#results")
    assert trainee.certificate_number not in public.text()
    public.shot("06-wrong-id")

    assert public.errors == [], public.errors
    assert public.english == [], public.english


# Journey 4: a unit of another province tries the addresses of unit-a1's workshop.

NOT_FOUND = "页面或记录不存在，或您无权查看。"
REFUSED_STATUS = re.compile(r"the server responded with a status of (403|404)")


def foreign_addresses(app):
    """Addresses of unit-a1's certified workshop: its pages, its attachment, its trainees and certificates."""
    with app.app_context():
        workshop = Workshop.get(Workshop.name == CERTIFIED)
        trainee = Trainee.select().where(Trainee.workshop == workshop.id).order_by(Trainee.id).first()
        return (
            workshop,
            trainee,
            {
                "details": f"/admin/workshops/details/?id={workshop.id}",
                "edit": f"/admin/workshops/declare/edit/?id={workshop.id}",
                "review": f"/admin/workshops/review/?id={workshop.id}",
                "opening documents": f"/admin/opening_plans/view/?id={workshop.id}",
                "attachment": f"/files/{workshop.attachment_id}",
                "trainee list": f"/admin/trainees/?flt0_0={workshop.id}",
                "trainee": f"/admin/trainees/details/?id={trainee.id}",
                "trainee import": f"/admin/trainee-import/{workshop.id}/",
                "trainee template": f"/admin/trainee-import/{workshop.id}/template.xlsx",
                "completion materials": f"/admin/completion_materials/{workshop.id}/",
                "certificate printing": f"/admin/certificates/{workshop.id}/",
            },
        )


def test_other_unit_is_refused(visitor, live_app):
    workshop, trainee, addresses = foreign_addresses(live_app)
    stranger = visitor()
    stranger.login("unit-b1")
    assert "华南理工申报员" in stranger.text()

    def shows_nothing_of_the_workshop():
        text = stranger.text()
        assert workshop.name not in text
        assert trainee.name not in text
        assert trainee.certificate_number not in text

    stranger.goto(addresses["details"])
    assert "记录不存在。" in stranger.text()
    assert stranger.page.url.endswith("/admin/workshops/")
    shows_nothing_of_the_workshop()
    stranger.shot("01-details-refused")

    for name in ("edit", "review", "opening documents", "attachment", "completion materials", "certificate printing"):
        stranger.goto(addresses[name])
        assert "未找到" in stranger.text(), name
        assert NOT_FOUND in stranger.text(), name
        shows_nothing_of_the_workshop()
    stranger.shot("02-not-found")

    stranger.goto(addresses["trainee list"])
    assert "表中没有任何记录" in stranger.text()
    shows_nothing_of_the_workshop()
    stranger.shot("03-empty-trainee-list")
    stranger.goto(addresses["trainee"])
    assert "记录不存在。" in stranger.text()
    shows_nothing_of_the_workshop()

    for name in ("trainee import", "trainee template"):
        stranger.goto(addresses[name])
        assert "无权访问" in stranger.text(), name
        assert "您没有打开此页面的权限。" in stranger.text(), name
    stranger.shot("04-access-denied")

    # Printing is a form post. The test sends the one the batch print page would send, with this session's token.
    stranger.goto("/admin/")
    token = stranger.page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = stranger.page.request.post(
        f"{stranger.base_url}/admin/certificates/{workshop.id}/print", form={"csrf_token": token, "scope": "all"}
    )
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert NOT_FOUND in response.text()

    # Chromium logs the 403 or 404 status of each refused page load in the console. Nothing else may appear there.
    assert stranger.errors, "the refusals should have been logged in the console"
    assert [error for error in stranger.errors if not REFUSED_STATUS.search(error)] == []
    assert stranger.english == [], stranger.english
