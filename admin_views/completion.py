"""Completion report list (结业上报): per approved workshop, its trainee list and certificates, with the allowed buttons.

Columns are built from ``COLUMNS`` and the buttons of a row from the functions
in ``BUTTON_SOURCES``, so that other completion materials can add a column
definition and a button source without changing the view.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from peewee import fn

from models import (
    AuditRecord,
    CertificateStatus,
    DeclarationStatus,
    Organisation,
    Trainee,
    TraineeListStatus,
    Workshop,
)
from models.materials import MaterialKind
from services import completion_materials, permissions, workflow

from .base import ReadOnlyModelView
from .dashboard import register_panel
from .workshops import status_badge

logger = logging.getLogger(__name__)

TRAINEE_LIST_ACTIONS = ("submit_trainee_list", "approve_trainee_list", "reject_trainee_list")


@dataclass(frozen=True)
class Column:
    """One column of the completion list: ``format(workshop)`` returns text or Markup."""

    name: str
    label: object
    format: Callable
    export: Callable | None = None


@dataclass(frozen=True)
class Button:
    label: object
    url: str
    # "get" renders a link; "post" a small form with a CSRF token.
    method: str = "get"
    confirm: str | None = None
    style: str = "outline-secondary"
    # Hidden fields of a "post" button, as (name, value) pairs.
    fields: tuple = ()


def _trainee_list_cell(workshop):
    badge = status_badge(workshop.trainee_list_status, TraineeListStatus.LABELS)
    count = getattr(workshop, "trainee_count", None)
    text = Markup("{} {}").format(badge, _("%(count)d trainees", count=count)) if count is not None else badge
    reason = getattr(workshop, "list_reason", None)
    if workshop.trainee_list_status == TraineeListStatus.REJECTED and reason:
        text += Markup('<div class="small text-muted">{}</div>').format(_("Reason: %(reason)s", reason=reason))
    return text


COLUMNS = [
    Column("name", _l("Project name"), lambda w: w.name, lambda w: w.name),
    Column("organisation", _l("Declaring organisation"), lambda w: w.organisation.name, lambda w: w.organisation.name),
    Column(
        "trainee_list_status",
        _l("List of trainees who passed"),
        _trainee_list_cell,
        lambda w: str(TraineeListStatus.LABELS.get(w.trainee_list_status, "")),
    ),
    Column(
        "certificate_status",
        _l("Certificate status"),
        lambda w: status_badge(w.certificate_status, CertificateStatus.LABELS),
        lambda w: str(CertificateStatus.LABELS.get(w.certificate_status, "")),
    ),
]


def _material_cell(kind):
    """Column formatter: the file name or 未上报 of one completion material, or — when not required."""

    def cell(workshop):
        if kind not in MaterialKind.required_for(workshop):
            return "—"
        return _material_states(workshop)[kind].display

    return cell


def _material_states(workshop) -> dict:
    """The material states of a workshop, read once per row (the list formats several columns from them)."""
    cached = getattr(workshop, "_material_states", None)
    if cached is None:
        cached = {state.kind: state for state in completion_materials.material_summary(workshop)}
        workshop._material_states = cached
    return cached


COLUMNS.extend(
    Column(f"material_{kind}", label, _material_cell(kind), _material_cell(kind)) for kind, label in MaterialKind.LABELS.items()
)


def trainee_list_buttons(user, workshop) -> list[Button]:
    """Buttons for the trainee list of one workshop, as its status and the user's role allow."""
    trainee_view = "trainees.index_view"
    buttons = []
    if permissions.can_manage_trainee_list(user, workshop) and not workshop.trainee_list_locked:
        buttons.append(Button(_l("Download import template"), url_for("trainee_import.template", workshop_id=workshop.id)))
        buttons.append(Button(_l("Import trainees"), url_for("trainee_import.upload", workshop_id=workshop.id), style="primary"))
    buttons.append(Button(_l("View list"), url_for(trainee_view, **{"flt0_0": workshop.id})))
    if workflow.can(user, workshop, "submit_trainee_list"):
        buttons.append(Button(_l("Submit"), url_for("completion.submit_view", id=workshop.id), style="warning"))
    if workflow.can(user, workshop, "approve_trainee_list"):
        buttons.append(
            Button(
                _l("Approve"),
                url_for("completion.transition_view"),
                method="post",
                fields=(("id", workshop.id), ("action", "approve_trainee_list")),
                confirm=_("Approve the list and issue a certificate number to every trainee on it?"),
                style="success",
            )
        )
    if workflow.can(user, workshop, "reject_trainee_list"):
        buttons.append(Button(_l("Reject"), url_for("completion.reject_view", ids=workshop.id), style="danger"))
    return buttons


def material_and_print_buttons(user, workshop) -> list[Button]:
    """Links to the completion materials page and, once certificates are issued, to batch printing."""
    buttons = [Button(_l("Completion materials"), url_for("completion_materials.workshop_view", workshop_id=workshop.id))]
    if permissions.can_print_certificates(user, workshop):
        buttons.append(Button(_l("Batch print"), url_for("certificates.workshop", workshop_id=workshop.id), style="success"))
    return buttons


# Functions (user, workshop) -> list of Button, concatenated in this order.
BUTTON_SOURCES: list[Callable] = [trainee_list_buttons, material_and_print_buttons]


def row_buttons(user, workshop) -> list[Button]:
    return [button for source in BUTTON_SOURCES for button in source(user, workshop)]


def _post_button(button, css) -> Markup:
    hidden = Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())
    for name, value in button.fields:
        hidden += Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
    confirm = Markup(' onsubmit="return confirm({})"').format(json.dumps(str(button.confirm))) if button.confirm else ""
    return Markup(
        '<form method="post" action="{}" class="d-inline"{}>{}<button type="submit" class="{}">{}</button></form>'
    ).format(button.url, confirm, hidden, css, button.label)


def render_buttons(buttons) -> Markup:
    parts = []
    for button in buttons:
        css = f"btn btn-sm btn-{button.style} mb-1"
        if button.method == "post":
            parts.append(_post_button(button, css))
        else:
            parts.append(Markup('<a class="{}" href="{}">{}</a>').format(css, button.url, button.label))
    return Markup(" ").join(parts)


class CompletionAdmin(ReadOnlyModelView):
    """Approved workshops with their completion materials; only the trainee list so far."""

    capability = permissions.VIEW_WORKSHOPS
    scope = staticmethod(permissions.scope_workshops)
    can_view_details = False

    column_list = [column.name for column in COLUMNS] + ["buttons"]
    column_labels = {column.name: column.label for column in COLUMNS} | {"buttons": _l("Actions")}
    column_formatters = {column.name: (lambda c: lambda v, ctx, m, n: c.format(m))(column) for column in COLUMNS} | {
        "buttons": lambda v, c, m, n: render_buttons(row_buttons(current_user, m))
    }
    column_export_list = [column.name for column in COLUMNS if column.export]
    column_formatters_export = {column.name: (lambda c: lambda v, ctx, m, n: c.export(m))(column) for column in COLUMNS}
    column_searchable_list = ("name",)
    column_sortable_list = ("name",)
    column_default_sort = ("id", True)
    column_filters = (
        FilterEqual(column=Workshop.year, name=_l("Year")),
        FilterEqual(column=Workshop.trainee_list_status, name=_l("Trainee list"), options=list(TraineeListStatus.LABELS.items())),
        FilterEqual(
            column=Workshop.certificate_status, name=_l("Certificate status"), options=list(CertificateStatus.LABELS.items())
        ),
    )
    can_export = True

    def get_query(self):
        count = Trainee.select(fn.COUNT(Trainee.id)).where(Trainee.workshop == Workshop.id)
        reason = (
            AuditRecord.select(AuditRecord.reason)
            .where(AuditRecord.workshop_id == Workshop.id, AuditRecord.action == "reject_trainee_list")
            .order_by(AuditRecord.id.desc())
            .limit(1)
        )
        query = Workshop.select(Workshop, Organisation, count.alias("trainee_count"), reason.alias("list_reason")).join(
            Organisation
        )
        return self.scope(query, current_user).where(Workshop.status == DeclarationStatus.APPROVED)

    def list_url(self, list_status=None):
        args = {"flt0_1": list_status} if list_status else {}
        return url_for(f"{self.endpoint}.index_view", **args)

    def _workshop_or_404(self, workshop_id):
        workshop = self.get_one(workshop_id)
        if workshop is None:
            abort(404)
        return workshop

    @expose("/submit/", methods=("GET",))
    def submit_view(self):
        """Confirmation page before a submission locks the list."""
        workshop = self._workshop_or_404(request.args.get("id"))
        allowed = workflow.can(current_user, workshop, "submit_trainee_list")
        return self.render("admin/completion/submit.html", workshop=workshop, allowed=allowed)

    @expose("/reject/", methods=("GET",))
    def reject_view(self):
        """Reason form for rejecting one or several submitted lists."""
        ids = [value for value in request.args.get("ids", "").split(",") if value.isdigit()]
        workshops = [w for w in self.get_scoped_ids(ids) if workflow.can(current_user, w, "reject_trainee_list")]
        if not workshops:
            flash(_("None of the selected lists awaits review."), "warning")
            return redirect(self.get_url(".index_view"))
        return self.render("admin/completion/reject.html", workshops=workshops)

    @expose("/transition/", methods=("POST",))
    def transition_view(self):
        """Apply a trainee list transition to one or several workshops."""
        name = request.form.get("action", "")
        if name not in TRAINEE_LIST_ACTIONS:
            abort(400)
        ids = [int(value) for value in request.form.getlist("id") if value.isdigit()]
        done, skipped = workflow.perform_many(current_user, ids, name, request.form.get("reason", ""))
        self._flash_outcome(name, done, skipped)
        return redirect(self.get_url(".index_view"))

    def _flash_outcome(self, name, done, skipped):
        label = workflow.TRANSITIONS[name].label
        if done:
            flash(
                ngettext("%(action)s: %(num)d list done.", "%(action)s: %(num)d lists done.", len(done), action=label), "success"
            )
        for row_name, message in skipped:
            flash(message if row_name in message else f"{row_name}: {message}", "error")

    @action("approve_trainee_list", _l("Approve"), _l("Approve the selected lists and issue certificate numbers?"))
    def action_approve(self, ids):
        done, skipped = workflow.perform_many(current_user, ids, "approve_trainee_list")
        self._flash_outcome("approve_trainee_list", done, skipped)

    @action("reject_trainee_list", _l("Reject"))
    def action_reject(self, ids):
        return redirect(self.get_url(".reject_view", ids=",".join(str(i) for i in ids)))

    def is_action_allowed(self, name):
        if name in TRAINEE_LIST_ACTIONS:
            return permissions.is_ministry(current_user)
        return super().is_action_allowed(name)


@register_panel
def trainee_list_panel(user):
    """Dashboard counts: lists awaiting review, open lists to submit, documents to verify."""
    workshops = permissions.scope_workshops(Workshop.select(), user).where(Workshop.status == DeclarationStatus.APPROVED)
    items = []
    if permissions.is_ministry(user):
        waiting = workshops.where(Workshop.trainee_list_status == TraineeListStatus.SUBMITTED).count()
        items.append((_("Trainee lists awaiting review"), waiting, url_for("completion.index_view", flt0_1="submitted")))
    if permissions.is_province(user):
        open_lists = workshops.where(Workshop.trainee_list_locked == False).count()  # noqa: E712
        items.append((_("Trainee lists not yet submitted"), open_lists, url_for("completion.index_view")))
    if permissions.is_platform_admin(user):
        pending = Trainee.select().where(Trainee.needs_verification == True).count()  # noqa: E712
        items.append((_("Trainees whose document needs checking"), pending, url_for("trainees.index_view", flt0_2=1)))
    if not items:
        return None
    return {"template": "admin/completion/panel.html", "items": items}
