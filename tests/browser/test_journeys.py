"""Whole journeys of real users in headless Chromium, each from a fresh demo database."""

import re

import pytest

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
