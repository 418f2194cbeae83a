"""Reminders computed from dates: missing opening notices and overdue completion materials."""

import datetime

from peewee import Case, fn

from models import CompletionMaterial, DeclarationStatus, MaterialKind, PlanChange, PlanChangeStatus, ReviewStatus, Workshop

from . import permissions
from .completion_materials import HANDED_IN

# Plan statuses in which the opening notice still has to be handed in.
NOTICE_MISSING = (ReviewStatus.NOT_REPORTED, ReviewStatus.REJECTED)


def _approved(user):
    query = permissions.scope_workshops(Workshop.select(), user)
    return query.where(Workshop.status == DeclarationStatus.APPROVED)


def opening_notice_missing(user, today: datetime.date):
    """Approved workshops that have not started yet and have no opening notice handed in, soonest first."""
    query = _approved(user).where(Workshop.plan_status.in_(NOTICE_MISSING), Workshop.start_date >= today)
    return query.order_by(Workshop.start_date, Workshop.id)


def completion_materials_missing(user, today: datetime.date, days: int):
    """Approved workshops that ended at least ``days`` ago and lack a required completion material.

    Only required kinds are ever stored, so a workshop is complete when the
    number of its materials handed in equals the number it needs.
    """
    handed_in = CompletionMaterial.select(fn.COUNT(CompletionMaterial.id)).where(
        CompletionMaterial.workshop == Workshop.id, CompletionMaterial.status.in_(HANDED_IN)
    )
    required = Case(
        None,
        [(Workshop.self_funded == True, len(MaterialKind.BASE + MaterialKind.SELF_FUNDED))],  # noqa: E712
        len(MaterialKind.BASE),
    )
    cutoff = today - datetime.timedelta(days=days)
    query = _approved(user).where(Workshop.end_date <= cutoff, handed_in < required)
    return query.order_by(Workshop.end_date, Workshop.id)


def awaiting_review(user) -> dict:
    """Queries of what waits for the ministry's review in the user's subtree, by kind."""
    plans = _approved(user).where(Workshop.plan_status == ReviewStatus.PENDING)
    changes = permissions.scope_plan_changes(PlanChange.select(), user).where(PlanChange.status == PlanChangeStatus.PENDING)
    pending_materials = CompletionMaterial.select(CompletionMaterial.workshop).where(
        CompletionMaterial.status == ReviewStatus.PENDING
    )
    materials = _approved(user).where(Workshop.id.in_(pending_materials)).order_by(Workshop.end_date, Workshop.id)
    return {"plans": plans, "changes": changes, "materials": materials}
