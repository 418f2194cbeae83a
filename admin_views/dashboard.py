"""Admin home page: what waits for the user, panels of other features, counts by year and status."""

from collections.abc import Callable

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
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
            panels=panels,
            by_year=sorted(by_year.items(), reverse=True),
            statuses=DeclarationStatus.LABELS,
            list_url=workshop_view.list_url,
        )
