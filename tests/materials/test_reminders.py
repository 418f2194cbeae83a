"""Reminders computed from dates: opening notices before the start, completion materials after the end."""

import datetime

import pytest

from models import CompletionMaterial, DeclarationStatus, MaterialKind, ReviewStatus
from services import reminders
from tests.conftest import login

TODAY = datetime.date(2026, 9, 1)


def names(query):
    return [workshop.name for workshop in query]


@pytest.mark.parametrize(
    "start, plan_status, listed",
    [
        (TODAY + datetime.timedelta(days=10), ReviewStatus.NOT_REPORTED, True),
        (TODAY, ReviewStatus.NOT_REPORTED, True),
        (TODAY + datetime.timedelta(days=3), ReviewStatus.REJECTED, True),
        (TODAY + datetime.timedelta(days=3), ReviewStatus.PENDING, False),
        (TODAY + datetime.timedelta(days=3), ReviewStatus.APPROVED, False),
        (TODAY - datetime.timedelta(days=1), ReviewStatus.NOT_REPORTED, False),
    ],
)
def test_opening_notice_reminder(org_tree, approved, start, plan_status, listed):
    workshop = approved(start_date=start, end_date=start + datetime.timedelta(days=5), plan_status=plan_status)
    assert (workshop.name in names(reminders.opening_notice_missing(org_tree["user_prov_a"], TODAY))) is listed


def test_opening_notice_reminder_skips_unapproved(org_tree, make_workshop):
    make_workshop(org_tree["unit_a1"], status=DeclarationStatus.MINISTRY_SUBMITTED, start_date=TODAY + datetime.timedelta(days=5))
    assert names(reminders.opening_notice_missing(org_tree["user_ministry"], TODAY)) == []


def test_opening_notice_reminder_soonest_first(org_tree, approved):
    later = approved(start_date=TODAY + datetime.timedelta(days=20))
    sooner = approved(start_date=TODAY + datetime.timedelta(days=2))
    assert names(reminders.opening_notice_missing(org_tree["user_prov_a"], TODAY)) == [sooner.name, later.name]


def test_opening_notice_reminder_scoped(org_tree, approved):
    approved("unit_b1", start_date=TODAY + datetime.timedelta(days=5))
    assert names(reminders.opening_notice_missing(org_tree["user_prov_a"], TODAY)) == []
    assert len(names(reminders.opening_notice_missing(org_tree["user_prov_b"], TODAY))) == 1


@pytest.mark.parametrize("days_since_end, listed", [(30, True), (31, True), (29, False), (0, False), (-5, False)])
def test_completion_reminder_after_configured_days(org_tree, approved, days_since_end, listed):
    end = TODAY - datetime.timedelta(days=days_since_end)
    workshop = approved(start_date=end - datetime.timedelta(days=6), end_date=end)
    found = names(reminders.completion_materials_missing(org_tree["user_ministry"], TODAY, 30))
    assert (workshop.name in found) is listed


def test_completion_reminder_clears_when_fiscal_complete(org_tree, approved):
    workshop = approved(self_funded=False, end_date=TODAY - datetime.timedelta(days=40))
    for kind in MaterialKind.BASE:
        CompletionMaterial.create(workshop=workshop, kind=kind, status=ReviewStatus.PENDING)
    assert names(reminders.completion_materials_missing(org_tree["user_prov_a"], TODAY, 30)) == []


def test_completion_reminder_self_funded_needs_all(org_tree, approved):
    workshop = approved(self_funded=True, end_date=TODAY - datetime.timedelta(days=40))
    for kind in MaterialKind.BASE:
        CompletionMaterial.create(workshop=workshop, kind=kind, status=ReviewStatus.APPROVED)
    assert names(reminders.completion_materials_missing(org_tree["user_prov_a"], TODAY, 30)) == [workshop.name]
    for kind in MaterialKind.SELF_FUNDED:
        CompletionMaterial.create(workshop=workshop, kind=kind, status=ReviewStatus.PENDING)
    assert names(reminders.completion_materials_missing(org_tree["user_prov_a"], TODAY, 30)) == []


def test_completion_reminder_counts_rejected_as_missing(org_tree, approved):
    workshop = approved(end_date=TODAY - datetime.timedelta(days=40))
    CompletionMaterial.create(workshop=workshop, kind=MaterialKind.SUMMARY_REPORT, status=ReviewStatus.REJECTED)
    for kind in MaterialKind.BASE[1:]:
        CompletionMaterial.create(workshop=workshop, kind=kind, status=ReviewStatus.PENDING)
    assert names(reminders.completion_materials_missing(org_tree["user_prov_a"], TODAY, 30)) == [workshop.name]


def test_dashboard_shows_reminders(app, client, org_tree, approved):
    today = datetime.date.today()
    upcoming = approved(start_date=today + datetime.timedelta(days=7), end_date=today + datetime.timedelta(days=12))
    app.config["COMPLETION_REMINDER_DAYS"] = 10
    overdue = approved(start_date=today - datetime.timedelta(days=20), end_date=today - datetime.timedelta(days=14))
    login(client, "prov-a")
    html = client.get("/admin/").get_data(as_text=True)
    assert "开班前尚未上报开班通知（1）" in html
    assert upcoming.name in html
    assert "还有 7 天" in html
    assert "结束已满 10 天仍缺结业材料（1）" in html
    assert overdue.name in html


def test_dashboard_hides_reminders_of_other_subtree(client, org_tree, approved):
    today = datetime.date.today()
    approved("unit_b1", start_date=today + datetime.timedelta(days=7))
    login(client, "prov-a")
    assert "提醒" not in client.get("/admin/").get_data(as_text=True)


def test_reminder_days_read_from_environment(monkeypatch, tmp_path):
    from config import build_config

    monkeypatch.setenv("ZHIGENG_COMPLETION_REMINDER_DAYS", "45")
    assert build_config({"INSTANCE_PATH": str(tmp_path)})["COMPLETION_REMINDER_DAYS"] == 45


def test_review_queue_counts_pending(org_tree, approved):
    approved(plan_status=ReviewStatus.PENDING)
    approved(plan_status=ReviewStatus.APPROVED)
    with_material = approved(name="结业待审研修班")
    CompletionMaterial.create(workshop=with_material, kind=MaterialKind.SUMMARY_REPORT, status=ReviewStatus.PENDING)
    queues = reminders.awaiting_review(org_tree["user_ministry"])
    assert queues["plans"].count() == 1
    assert queues["changes"].count() == 0
    assert names(queues["materials"]) == ["结业待审研修班"]


def test_review_queue_on_ministry_dashboard_only(app, org_tree, approved):
    approved(plan_status=ReviewStatus.PENDING)
    ministry = app.test_client()
    login(ministry, "ministry")
    assert "待您审核" in ministry.get("/admin/").get_data(as_text=True)
    province = app.test_client()
    login(province, "prov-a")
    assert "待您审核" not in province.get("/admin/").get_data(as_text=True)
