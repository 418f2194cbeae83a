"""Declaration pages of the workshop view: the form, the template, reviews and bulk actions."""

import io
import logging

from flask import abort, current_app, flash, redirect, request, send_file
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from models import DeclarationStatus
from services import declaration_template, declarations, permissions, workflow
from services.errors import DomainError

from .declaration_form import DeclarationForm
from .reviews import timeline

logger = logging.getLogger(__name__)

SUBMIT_ACTIONS = ("submit", "submit_own_to_ministry", "forward_to_ministry")
# Actions offered as buttons on list rows and detail pages, in display order.
ROW_ACTIONS = ("submit", "submit_own_to_ministry", "forward_to_ministry", "self_host")
REVIEW_ACTIONS = ("initial_approve", "initial_reject")
BULK_ACTIONS = ("approve", "reject")


def submit_action_for(user, workshop):
    """Return the submission action that applies to this user and row, or None."""
    for action in SUBMIT_ACTIONS:
        if workflow.can(user, workshop, action):
            return action
    return None


class DeclarationPages:
    """Pages mixed into WorkshopAdmin; every page is scoped through ``get_one``."""

    def _form(self, formdata=None, obj=None, data=None):
        form = DeclarationForm(formdata, obj=obj, data=data)
        if obj is not None and formdata is None:
            # obj.field is a ProfessionalField row, which the int-coerced select
            # turns into None. Without its id no option is selected, so the
            # browser posts the first field in the list.
            form.field.data = obj.field_id
        form.fill_choices(obj.year if obj else None)
        form.attachment.description = str(form.attachment.description) % {
            "mb": current_app.config["ATTACHMENT_MAX_BYTES"] // (1 << 20)
        }
        return form

    def _render_form(self, form, workshop=None, template_messages=()):
        return self.render(
            "admin/workshops/declare.html",
            form=form,
            workshop=workshop,
            template_messages=template_messages,
            return_url=self.get_url(".index_view"),
        )

    def _after_save(self, workshop):
        """Submit after saving when the user pressed 提交; report what happened."""
        if "_submit" not in request.form:
            flash(_("“%(name)s” saved.", name=workshop.name), "success")
            return
        action = submit_action_for(current_user, workshop)
        if action is None:
            flash(_("“%(name)s” saved but not submitted: its status does not allow submission.", name=workshop.name), "warning")
            return
        try:
            workflow.perform(current_user, workshop.id, action)
        except DomainError as error:
            flash(_("“%(name)s” saved but not submitted: %(reason)s", name=workshop.name, reason=error.message), "warning")
        else:
            flash(_("“%(name)s” saved and submitted.", name=workshop.name), "success")

    @expose("/declare/", methods=("GET", "POST"))
    def declare_view(self):
        if not workflow.can_declare(current_user):
            abort(403)
        form = self._form(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                workshop = declarations.create_declaration(current_user, form.declaration_data(), request.files.get("attachment"))
            except DomainError as error:
                flash(error.message, "error")
            else:
                self._after_save(workshop)
                return redirect(self.get_url(".details_view", id=workshop.id))
        return self._render_form(form)

    @expose("/declare/edit/", methods=("GET", "POST"))
    def edit_declaration_view(self):
        workshop = self.get_one(request.args.get("id"))
        if workshop is None:
            abort(404)
        if not workflow.can_edit_declaration(current_user, workshop):
            flash(
                _("“%(name)s” cannot be edited in the status %(status)s.", name=workshop.name, status=workshop.status_label),
                "error",
            )
            return redirect(self.get_url(".details_view", id=workshop.id))
        form = self._form(request.form if request.method == "POST" else None, obj=workshop)
        if request.method == "GET":
            form.version.data = workshop.version
        elif form.validate():
            try:
                version = int(form.version.data or 0)
                workshop = declarations.update_declaration(
                    current_user, workshop.id, form.declaration_data(), version, request.files.get("attachment")
                )
            except (DomainError, ValueError) as error:
                flash(getattr(error, "message", _("The form is out of date. Reload the page.")), "error")
            else:
                self._after_save(workshop)
                return redirect(self.get_url(".details_view", id=workshop.id))
        return self._render_form(form, workshop)

    @expose("/declare/template/")
    def template_view(self):
        return send_file(
            io.BytesIO(declaration_template.build_template()),
            as_attachment=True,
            download_name="高级研修班申报模板.xlsx",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    @expose("/declare/upload/", methods=("POST",))
    def upload_template_view(self):
        """Read a filled template into the form for checking; nothing is saved here."""
        if not workflow.can_declare(current_user):
            abort(403)
        upload = request.files.get("template")
        if upload is None or not upload.filename:
            flash(_("Choose the filled declaration template to upload."), "error")
            return redirect(self.get_url(".declare_view"))
        data, messages = declaration_template.read_template(upload.stream)
        form = self._form(MultiDict(data))
        if data:
            form.validate()
            flash(_("The template was read into the form. Check every field, attach the stamped form and save."), "info")
        return self._render_form(form, template_messages=messages)

    @expose("/declare/delete/", methods=("POST",))
    def delete_declaration_view(self):
        try:
            name = declarations.delete_declaration(current_user, int(request.form.get("id", 0)))
        except (DomainError, ValueError) as error:
            flash(getattr(error, "message", _("The workshop does not exist or lies outside your organisation.")), "error")
        else:
            flash(_("Draft “%(name)s” deleted.", name=name), "success")
        return redirect(self.get_url(".index_view"))

    @expose("/transition/", methods=("POST",))
    def transition_view(self):
        """Apply one action to one row from a button on the list, details or review page."""
        action = request.form.get("action", "")
        if action not in ROW_ACTIONS + REVIEW_ACTIONS + BULK_ACTIONS:
            abort(400)
        workshop = self.get_one(request.form.get("id"))
        if workshop is None:
            abort(404)
        try:
            workflow.perform(current_user, workshop.id, action, request.form.get("reason", ""))
        except DomainError as error:
            flash(error.message, "error")
            if action in REVIEW_ACTIONS:
                return redirect(self.get_url(".review_view", id=workshop.id))
        else:
            label = workflow.TRANSITIONS[action].label
            flash(_("“%(name)s”: %(action)s done.", name=workshop.name, action=label), "success")
        return redirect(self.get_url(".details_view", id=workshop.id))

    @expose("/review/")
    def review_view(self):
        """Show the initial-review page: the declaration read-only, its attachment and the review buttons."""
        workshop = self.get_one(request.args.get("id"))
        if workshop is None:
            abort(404)
        actions = workflow.available_actions(current_user, workshop, REVIEW_ACTIONS)
        if not actions:
            flash(_("“%(name)s” is not waiting for your initial review.", name=workshop.name), "warning")
            return redirect(self.get_url(".details_view", id=workshop.id))
        return self.render("admin/workshops/review.html", workshop=workshop, timeline=timeline(workshop))

    @expose("/bulk/", methods=("POST",))
    def bulk_view(self):
        """Second step of a bulk action: apply it to the confirmed rows, one transaction per row."""
        action = request.form.get("action", "")
        if action not in BULK_ACTIONS or not permissions.is_ministry(current_user):
            abort(403)
        rows = self.get_scoped_ids(request.form.getlist("rowid"))
        reason = request.form.get("reason", "").strip()
        if workflow.TRANSITIONS[action].needs_reason and not reason:
            flash(_("Enter the reason for “%(action)s”.", action=workflow.TRANSITIONS[action].label), "error")
            return self._bulk_confirmation(action, [row.id for row in rows])
        done, skipped = workflow.perform_many(current_user, [row.id for row in rows], action, reason)
        if done:
            flash(ngettext("%(num)d workshop done.", "%(num)d workshops done.", len(done)), "success")
        for name, message in skipped:
            flash(_("Skipped “%(name)s”: %(reason)s", name=name, reason=message), "warning")
        return redirect(self.get_url(".index_view"))

    def _bulk_confirmation(self, action, ids):
        rows = self.get_scoped_ids(ids)
        if not rows:
            flash(_("Select at least one workshop."), "warning")
            return redirect(self.get_url(".index_view"))
        checked = [(row, workflow.can(current_user, row, action)) for row in rows]
        return self.render(
            "admin/workshops/bulk_confirm.html",
            action=action,
            transition=workflow.TRANSITIONS[action],
            rows=checked,
            statuses=DeclarationStatus.LABELS,
        )


def row_buttons(user, workshop, view):
    """Return the buttons the row's status allows for this user, as (kind, label, url or action)."""
    buttons = [("link", _("View"), view.get_url(".details_view", id=workshop.id))]
    if workflow.can_edit_declaration(user, workshop):
        buttons.append(("link", _("Edit"), view.get_url(".edit_declaration_view", id=workshop.id)))
    if workflow.can_delete_declaration(user, workshop):
        buttons.append(("delete", _("Delete"), None))
    if workflow.available_actions(user, workshop, REVIEW_ACTIONS):
        buttons.append(("link", _("Initial review"), view.get_url(".review_view", id=workshop.id)))
    for action in workflow.available_actions(user, workshop, ROW_ACTIONS):
        buttons.append(("action", workflow.TRANSITIONS[action].label, action))
    return buttons
