"""开班通知和方案上报: approved workshops with their opening notice and plan, upload and review."""

import logging

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import FileField

from models import DocumentKind, Organisation, ReviewStatus, Workshop
from services import audit, documents, opening_plans, permissions, plan_changes, workflow
from services.errors import DomainError

from .base import ReadOnlyModelView
from .forms import AdminForm
from .reviews import BulkReviewMixin, approved_workshops, badge, flash_refusal, timeline

logger = logging.getLogger(__name__)

NOTICE, PLAN = opening_plans.PAIR_KINDS


class OpeningDocumentsForm(AdminForm):
    opening_notice = FileField(_l("Opening notice"))
    implementation_plan = FileField(_l("Implementation plan"))


def _reported(kind):
    """Format a column that links 已上报 to the newest version, or shows 未上报."""

    def formatter(view, context, model, name):
        document = getattr(model, "pair", {}).get(kind)
        if document is None:
            return _("Not reported")
        url = url_for("files.download", attachment_id=document.attachment_id)
        return Markup('<a href="{}" title="{}">{}</a>').format(url, document.attachment.original_name, _("Reported"))

    return formatter


def _plan_status(view, context, model, name):
    html = badge(model.plan_status, ReviewStatus.LABELS.get(model.plan_status, model.plan_status))
    reason = getattr(model, "rejection_reason", "")
    if reason:
        note = Markup('<div class="small text-danger">{}：{}</div>').format(_("Reason for rejection"), reason)
        html = html + note
    return html


def _buttons(view, context, model, name):
    links = []
    if workflow.can(current_user, model, "submit_plan"):
        url = view.get_url(".submit_view", id=model.id)
        links.append(Markup('<a class="btn btn-sm btn-primary" href="{}">{}</a>').format(url, _("Report")))
    url = view.get_url(".plan_view", id=model.id)
    links.append(Markup('<a class="btn btn-sm btn-outline-secondary" href="{}">{}</a>').format(url, _("View")))
    return Markup(" ").join(links)


class OpeningPlanAdmin(BulkReviewMixin, ReadOnlyModelView):
    """Approved workshops of the user's subtree with the state of their opening notice and plan."""

    capability = permissions.VIEW_WORKSHOPS
    scope = staticmethod(approved_workshops)
    can_view_details = False
    bulk_actions = ("approve_plan", "reject_plan")

    column_list = ("year", "name", "organisation", "end_date", "opening_notice", "implementation_plan", "plan_status", "buttons")
    column_labels = {
        "year": _l("Year"),
        "name": _l("Project name"),
        "organisation": _l("Declaring organisation"),
        "end_date": _l("End date"),
        "opening_notice": _l("Opening notice"),
        "implementation_plan": _l("Implementation plan"),
        "plan_status": _l("Review status"),
        "buttons": _l("Actions"),
    }
    column_formatters = {
        "opening_notice": _reported(NOTICE),
        "implementation_plan": _reported(PLAN),
        "plan_status": _plan_status,
        "buttons": _buttons,
    }
    column_searchable_list = ("name",)
    column_sortable_list = ("year", "name", "end_date", "plan_status")
    column_default_sort = ("end_date", True)
    column_filters = (
        FilterEqual(column=Workshop.year, name=_l("Year")),
        FilterEqual(column=Workshop.plan_status, name=_l("Review status"), options=list(ReviewStatus.LABELS.items())),
    )

    def get_query(self):
        # The organisation column and the permission checks of the buttons read each row's organisation.
        return self.scope(Workshop.select(Workshop, Organisation).join(Organisation), current_user)

    def _handle_join(self, query, field, joins):
        joins.add("Organisation")
        return super()._handle_join(query, field, joins)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if execute:
            latest = documents.latest_by_workshop([row.id for row in rows], opening_plans.PAIR_KINDS)
            reasons = opening_plans.rejection_reasons(rows)
            for row in rows:
                row.pair = {kind: latest.get((row.id, kind)) for kind in opening_plans.PAIR_KINDS}
                row.rejection_reason = reasons.get(row.id, "")
        return count, rows

    # Bulk review

    def can_apply(self, row, action):
        return workflow.can(current_user, row, action)

    def row_status(self, row):
        return str(ReviewStatus.LABELS.get(row.plan_status, row.plan_status))

    def apply_many(self, ids, action, reason):
        return workflow.perform_many(current_user, [row.id for row in self.get_scoped_ids(ids)], action, reason)

    @action("approve_plan", _l("Approve opening notice and plan"))
    def action_approve_plan(self, ids):
        return self.confirm_bulk("approve_plan", ids)

    @action("reject_plan", _l("Reject opening notice and plan"))
    def action_reject_plan(self, ids):
        return self.confirm_bulk("reject_plan", ids)

    # Pages

    def _workshop_or_404(self, workshop_id):
        workshop = self.get_one(workshop_id)
        if workshop is None:
            abort(404)
        return workshop

    @expose("/submit/", methods=("GET", "POST"))
    def submit_view(self):
        workshop = self._workshop_or_404(request.values.get("id"))
        form = OpeningDocumentsForm()
        if request.method == "POST":
            try:
                opening_plans.submit_opening_documents(
                    current_user, workshop.id, request.files.get("opening_notice"), request.files.get("implementation_plan")
                )
            except DomainError as error:
                flash_refusal(error, "submit_plan", f"workshop {workshop.id}")
            else:
                flash(_("The opening notice and plan of “%(name)s” are submitted for review.", name=workshop.name), "success")
                return redirect(self.get_url(".plan_view", id=workshop.id))
        return self.render(
            "admin/opening_plans/submit.html",
            workshop=workshop,
            form=form,
            allowed=workflow.can(current_user, workshop, "submit_plan"),
            types="、".join(sorted(opening_plans.PAIR_TYPES)),
            limit_mb=self._limit_mb(),
        )

    @expose("/view/")
    def plan_view(self):
        workshop = self._workshop_or_404(request.args.get("id"))
        history = {kind: documents.versions(workshop, (kind,)) for kind in opening_plans.PAIR_KINDS}
        return self.render(
            "admin/opening_plans/view.html",
            workshop=workshop,
            kinds=[(kind, DocumentKind.LABELS[kind]) for kind in opening_plans.PAIR_KINDS],
            history=history,
            status_badge=badge(workshop.plan_status, ReviewStatus.LABELS.get(workshop.plan_status)),
            rejection_reason=opening_plans.rejection_reasons([workshop]).get(workshop.id, ""),
            actions=workflow.available_actions(current_user, workshop, ("submit_plan", "approve_plan", "reject_plan")),
            can_file_change=plan_changes.can_file(current_user, workshop),
            materials_url=url_for("completion_materials.workshop_view", workshop_id=workshop.id),
            timeline=timeline(workshop),
        )

    @expose("/review/", methods=("POST",))
    def review_view(self):
        workshop = self._workshop_or_404(request.form.get("id"))
        action_name = request.form.get("action")
        if action_name not in self.bulk_actions:
            abort(400)
        try:
            workflow.perform(current_user, workshop.id, action_name, request.form.get("reason", ""))
        except DomainError as error:
            flash_refusal(error, action_name, f"workshop {workshop.id}")
        else:
            flash(
                _("“%(action)s” done for “%(name)s”.", action=audit.describe_action(action_name), name=workshop.name), "success"
            )
        return redirect(self.get_url(".plan_view", id=workshop.id))

    def _limit_mb(self):
        return current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
