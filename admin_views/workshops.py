"""Workshop list and details, scoped to the user's subtree."""

from flask import has_request_context, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from peewee import DatabaseError

from models import DeclarationStatus, Organisation, ProfessionalField, Workshop
from services import permissions, workflow

from .base import ReadOnlyModelView
from .declarations import BULK_ACTIONS, DeclarationPages, row_buttons
from .reviews import timeline


def status_badge(code, labels):
    return Markup('<span class="status-badge status-{}">{}</span>').format(code, labels.get(code, code))


def _period(view, context, model, name):
    if not model.start_date:
        return ""
    end = model.end_date.strftime("%Y-%m-%d") if model.end_date else ""
    return _("%(start)s to %(end)s", start=model.start_date.strftime("%Y-%m-%d"), end=end)


def _attachment_link(view, context, model, name):
    if not model.attachment_id:
        return ""
    return Markup('<a href="{}">{}</a>').format(
        url_for("files.download", attachment_id=model.attachment_id), escape(model.attachment.original_name)
    )


def _organisation_options():
    try:
        query = permissions.scope_organisations(Organisation.select(), current_user).order_by(Organisation.path)
        return [(str(o.id), o.name) for o in query]
    except (DatabaseError, AttributeError):
        # No table before the first migration, and no user outside a request.
        return []


def _field_options():
    if not has_request_context():
        # Views are built when the app is created, which must not need a
        # database (command-line checks run without one); index_view refreshes
        # the options for every list page.
        return []
    try:
        return [(str(f.id), f.name) for f in ProfessionalField.select().order_by(ProfessionalField.sort_order)]
    except DatabaseError:
        # The view is built before the first migration creates the table.
        return []


class WorkshopAdmin(DeclarationPages, ReadOnlyModelView):
    """Declared workshops: the list per role with its buttons, details with the timeline, declaration pages."""

    capability = permissions.VIEW_WORKSHOPS
    scope = staticmethod(permissions.scope_workshops)

    column_list = ("year", "name", "organisation", "host_unit", "period", "place", "attachment", "contact_phone", "status")
    column_details_list = (
        "year",
        "name",
        "organisation",
        "declared_on",
        "host_unit",
        "field",
        "is_featured",
        "featured_years",
        "self_funded",
        "amount",
        "purpose",
        "period",
        "place",
        "contact_person",
        "contact_phone",
        "planned_trainees",
        "attachment",
        "status",
        "last_reason",
    )
    column_labels = {
        "year": _l("Year"),
        "name": _l("Project name"),
        "organisation": _l("Declaring organisation"),
        "declared_on": _l("Declaration date"),
        "host_unit": _l("Host unit"),
        "field": _l("Field"),
        "is_featured": _l("Featured workshop"),
        "featured_years": _l("Planned years as featured workshop"),
        "self_funded": _l("May be self-funded"),
        "amount": _l("Amount (10,000 yuan)"),
        "purpose": _l("Purpose and role"),
        "period": _l("Period"),
        "place": _l("Place"),
        "contact_person": _l("Contact person"),
        "contact_phone": _l("Contact phone"),
        "planned_trainees": _l("Planned number of trainees"),
        "attachment": _l("Attachment"),
        "status": _l("Approval status"),
        "last_reason": _l("Reason"),
    }
    column_formatters = {
        "period": _period,
        "attachment": _attachment_link,
        "status": lambda v, c, m, n: status_badge(m.status, DeclarationStatus.LABELS),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "period": _period,
        "attachment": lambda v, c, m, n: m.attachment.original_name if m.attachment_id else "",
        "status": lambda v, c, m, n: str(m.status_label),
    }
    column_searchable_list = ("name",)
    column_sortable_list = ("year", "name", "status")
    column_default_sort = ("id", True)
    column_filters = (
        FilterEqual(column=Workshop.year, name=_l("Year")),
        FilterEqual(column=Workshop.status, name=_l("Approval status"), options=list(DeclarationStatus.LABELS.items())),
        FilterEqual(column=Workshop.field, name=_l("Field"), options=_field_options),
        FilterEqual(column=Workshop.organisation, name=_l("Declaring organisation"), options=_organisation_options),
    )
    can_export = True
    list_template = "admin/workshops/list.html"
    details_template = "admin/workshops/details.html"

    def render(self, template, **kwargs):
        kwargs.setdefault("row_buttons", lambda row: row_buttons(current_user, row, self))
        kwargs.setdefault("can_declare", workflow.can_declare(current_user))
        if template == self.details_template and "model" in kwargs:
            kwargs["timeline"] = timeline(kwargs["model"])
            kwargs["buttons"] = row_buttons(current_user, kwargs["model"], self)[1:]
        return super().render(template, **kwargs)

    def is_action_allowed(self, name):
        if name in BULK_ACTIONS:
            return permissions.is_ministry(current_user)
        return super().is_action_allowed(name)

    @action("approve", _l("Approve"))
    def action_approve(self, ids):
        return self._bulk_confirmation("approve", ids)

    @action("reject", _l("Reject declaration"))
    def action_reject(self, ids):
        return self._bulk_confirmation("reject", ids)

    @expose("/")
    def index_view(self):
        # Filter options (the field list) are cached at start-up; refresh them per list page.
        self._refresh_filters_cache()
        return super().index_view()

    def list_url(self, **criteria):
        """URL of the list filtered by ``year``, ``status`` or ``field`` (the filters above, by position)."""
        positions = {"year": 0, "status": 1, "field": 2, "organisation": 3}
        args = {f"flt{i}_{positions[key]}": value for i, (key, value) in enumerate(criteria.items())}
        return url_for(f"{self.endpoint}.index_view", **args)
