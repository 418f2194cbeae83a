"""Admin home page: what waits for the user, panels of other features, counts by year and status."""

from collections.abc import Callable

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import fn

from models import DeclarationStatus, Workshop
from services import permissions

# Callables taking the current user and returning None or a dict with a
# "template" key (rendered inside the dashboard) plus that template's context.
PANELS: list[Callable] = []


def register_panel(panel: Callable) -> Callable:
    """Add a dashboard panel; usable as a decorator."""
    PANELS.append(panel)
    return panel


S = DeclarationStatus


def _declares(user):
    return permissions.is_province(user) or permissions.is_unit(user)


# (label, status, who sees it, own organisation only) for the to-do list. Items
# marked "own" count only the user's own declarations, the ones they must act on.
TODO_ITEMS = [
    (_l("Declarations awaiting ministry review"), S.MINISTRY_SUBMITTED, permissions.is_ministry, False),
    (_l("Declarations awaiting your initial review"), S.INITIAL_SUBMITTED, permissions.is_province, False),
    (_l("Passed initial review, to submit to the ministry"), S.INITIAL_APPROVED, permissions.is_province, False),
    (_l("Rejected at initial review, to correct"), S.INITIAL_REJECTED, permissions.is_unit, True),
    (_l("Rejected by the ministry, to correct or host independently"), S.REJECTED, _declares, True),
    (_l("Drafts not yet submitted"), S.DRAFT, _declares, True),
]


def todo_items(user, workshops, list_url):
    """Counts of what waits for ``user``, each with a link to the filtered list."""
    items = []
    for label, status, applies, own_only in TODO_ITEMS:
        if not applies(user):
            continue
        query = workshops.where(Workshop.status == status)
        criteria = {"status": status}
        if own_only:
            query = query.where(Workshop.organisation == user.organisation_id)
            criteria["organisation"] = user.organisation_id
        items.append((label, query.count(), list_url(**criteria)))
    return items


class DashboardView(AdminIndexView):
    """The admin index; it requires login like every other admin page."""

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @expose("/")
    def index(self):
        workshops = permissions.scope_workshops(Workshop.select(), current_user)
        rows = (
            workshops.select(Workshop.year, Workshop.status, fn.COUNT(Workshop.id).alias("n"))
            .group_by(Workshop.year, Workshop.status)
            .order_by(Workshop.year.desc())
            .tuples()
        )
        by_year = {}
        for year, status, count in rows:
            by_year.setdefault(year, {})[status] = count
        workshop_view = self.admin.workshop_view
        panels = [panel for panel in (build(current_user) for build in PANELS) if panel]
        return self.render(
            "admin/dashboard.html",
            todo=todo_items(current_user, workshops, workshop_view.list_url),
            panels=panels,
            by_year=sorted(by_year.items(), reverse=True),
            statuses=DeclarationStatus.LABELS,
            list_url=workshop_view.list_url,
        )
