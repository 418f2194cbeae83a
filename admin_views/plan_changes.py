"""计划变化情况上报: plan change requests of approved workshops, filing and ministry review."""

import logging

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import DateField, FileField, TextAreaField
from wtforms.validators import Length, Optional

from models import Organisation, PlanChange, PlanChangeStatus, Workshop
from services import audit, permissions, plan_changes, workflow
from services.errors import DomainError

from .base import ReadOnlyModelView
from .forms import AdminForm, ScopedSelectField, TextField
from .reviews import BulkReviewMixin, approved_workshops, badge, flash_refusal, timeline

logger = logging.getLogger(__name__)

# The filter offers the statuses a filed request can have.
FILTER_STATUSES = [(code, label) for code, label in PlanChangeStatus.LABELS.items() if code != PlanChangeStatus.NEW]


class PlanChangeForm(AdminForm):
    workshop = ScopedSelectField(_l("Workshop"))
    new_start_date = DateField(_l("New start date"), validators=[Optional()])
    new_end_date = DateField(_l("New end date"), validators=[Optional()])
    new_place = TextField(_l("New place"), validators=[Length(max=100)])
    new_host_unit = TextField(_l("New host unit"), validators=[Length(max=100)])
    other_changes = TextAreaField(_l("Other changes"), validators=[Length(max=2000)])
    reason = TextAreaField(_l("Reason for the change"), validators=[Length(max=2000)])
    application = FileField(_l("Stamped application"))


def _link(url, text) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, text)


def _changes(view, context, model, name):
    return Markup('<span class="text-pre-line">{}</span>').format(plan_changes.describe(model))


def _status(view, context, model, name):
    html = badge(model.status, model.status_label)
    if model.status == PlanChangeStatus.REJECTED and model.review_reason:
        html += Markup('<div class="small text-danger">{}：{}</div>').format(_("Reason for rejection"), model.review_reason)
    return html


class PlanChangeAdmin(BulkReviewMixin, ReadOnlyModelView):
    """Plan change requests of the user's subtree, filterable by year and status."""

    capability = permissions.VIEW_WORKSHOPS
    scope = staticmethod(permissions.scope_plan_changes)
    can_view_details = False
    list_template = "admin/plan_changes/list.html"
    bulk_actions = ("approve_plan_change", "reject_plan_change")

    column_list = ("year", "workshop", "organisation", "changes", "reason", "application", "created_at", "status", "buttons")
    column_labels = {
        "year": _l("Year"),
        "workshop": _l("Project name"),
        "organisation": _l("Declaring organisation"),
        "changes": _l("Changes"),
        "reason": _l("Reason for the change"),
        "application": _l("Stamped application"),
        "created_at": _l("Filed at"),
        "status": _l("Review status"),
        "buttons": _l("Actions"),
    }
    column_formatters = {
        "year": lambda v, c, m, n: m.workshop.year,
        "workshop": lambda v, c, m, n: m.workshop.name,
        "organisation": lambda v, c, m, n: m.workshop.organisation.name,
        "changes": _changes,
        "application": lambda v, c, m, n: _link(
            url_for("files.download", attachment_id=m.application_id), m.application.original_name
        ),
        "status": _status,
        "buttons": lambda v, c, m, n: Markup('<a class="btn btn-sm btn-outline-secondary" href="{}">{}</a>').format(
            v.get_url(".change_view", id=m.id), _("View")
        ),
    }
    column_sortable_list = ("created_at", "status")
    column_default_sort = ("created_at", True)
    column_filters = (
        FilterEqual(column=Workshop.year, name=_l("Year")),
        FilterEqual(column=PlanChange.status, name=_l("Review status"), options=FILTER_STATUSES),
    )

    def get_query(self):
        query = PlanChange.select(PlanChange, Workshop, Organisation).join(Workshop).join(Organisation)
        # A request exists as new only inside the transaction that files it.
        return self.scope(query, current_user).where(PlanChange.status != PlanChangeStatus.NEW)

    def _handle_join(self, query, field, joins):
        # get_query has joined the workshop and its organisation already.
        joins.update({"Workshop", "Organisation"})
        return super()._handle_join(query, field, joins)

    def render(self, template, **kwargs):
        kwargs.setdefault("may_file", permissions.is_province(current_user))
        return super().render(template, **kwargs)

    # Bulk review

    def can_apply(self, row, action):
        return workflow.can_row(current_user, row, action)

    def apply_many(self, ids, action, reason):
        return workflow.perform_row_many(current_user, PlanChange, [row.id for row in self.get_scoped_ids(ids)], action, reason)

    @action("approve_plan_change", _l("Approve plan change"))
    def action_approve(self, ids):
        return self.confirm_bulk("approve_plan_change", ids)

    @action("reject_plan_change", _l("Reject plan change"))
    def action_reject(self, ids):
        return self.confirm_bulk("reject_plan_change", ids)

    # Pages

    def _form(self):
        form = PlanChangeForm()
        workshops = approved_workshops(Workshop.select(), current_user).order_by(Workshop.year.desc(), Workshop.name)
        form.workshop.set_rows(
            [w for w in workshops if plan_changes.can_file(current_user, w)], label=lambda w: f"{w.year} {w.name}"
        )
        return form

    @expose("/file/", methods=("GET", "POST"))
    def file_view(self):
        form = self._form()
        if request.method == "GET" and request.args.get("workshop_id", "").isdigit():
            form.workshop.data = int(request.args["workshop_id"])
        if request.method == "POST" and form.validate():
            values = {name: getattr(form, name).data for name in plan_changes.FORM_FIELDS}
            try:
                change = plan_changes.file_plan_change(current_user, form.workshop.data, values, request.files.get("application"))
            except DomainError as error:
                flash_refusal(error, "submit_plan_change", f"workshop {form.workshop.data}")
            else:
                flash(_("The plan change of “%(name)s” is submitted for review.", name=change.workshop.name), "success")
                return redirect(self.get_url(".change_view", id=change.id))
        limit = current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
        types = "、".join(sorted(plan_changes.APPLICATION_TYPES))
        return self.render("admin/plan_changes/file.html", form=form, limit_mb=limit, types=types)

    @expose("/view/")
    def change_view(self):
        change = self.get_one(request.args.get("id"))
        if change is None:
            abort(404)
        actions = [name for name in self.bulk_actions if workflow.can_row(current_user, change, name)]
        return self.render(
            "admin/plan_changes/view.html",
            change=change,
            lines=plan_changes.change_lines(change),
            status_badge=badge(change.status, change.status_label),
            actions=actions,
            timeline=timeline(change.workshop),
        )

    @expose("/review/", methods=("POST",))
    def review_view(self):
        change = self.get_one(request.form.get("id"))
        if change is None:
            abort(404)
        action_name = request.form.get("action")
        if action_name not in self.bulk_actions:
            abort(400)
        try:
            workflow.perform_row(current_user, PlanChange, change.id, action_name, request.form.get("reason", ""))
        except DomainError as error:
            flash_refusal(error, action_name, f"plan change {change.id}")
        else:
            label = audit.describe_action(action_name)
            flash(_("“%(action)s” done for “%(name)s”.", action=label, name=change.workshop.name), "success")
        return redirect(self.get_url(".change_view", id=change.id))
