"""Pieces shared by the review pages after approval: bulk actions behind a confirmation page, the timeline."""

import logging

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from models import AuditRecord, CompletionMaterial, DeclarationStatus, Workshop
from services import audit, permissions, workflow

logger = logging.getLogger(__name__)


def approved_workshops(query, user):
    """Approved workshops in the user's subtree: the rows of the pages after approval."""
    return permissions.scope_workshops(query, user).where(Workshop.status == DeclarationStatus.APPROVED)


def badge(code, label) -> Markup:
    return Markup('<span class="status-badge status-{}">{}</span>').format(code, label)


def timeline(workshop) -> list[dict]:
    """List the workshop's audit records, oldest first, with the label of each action.

    Records of a completion material also name the material, because one
    workshop has several.
    """
    records = AuditRecord.select().where(AuditRecord.workshop_id == workshop.id).order_by(AuditRecord.created_at, AuditRecord.id)
    materials = {
        row.id: str(row.kind_label) for row in CompletionMaterial.select().where(CompletionMaterial.workshop == workshop.id)
    }
    entries = []
    for record in records:
        label = audit.describe_action(record.action)
        if record.object_type == "completion_material" and record.object_id in materials:
            label = f"{label}：{materials[record.object_id]}"
        entries.append({"record": record, "label": label})
    return entries


def flash_refusal(error, action: str, object_id) -> None:
    """Show a DomainError to the user and log the refusal without its translated text."""
    flash(error.message, "error")
    logger.warning("User %s: %s on %s refused (%s)", current_user.id, action, object_id, type(error).__name__)


def flash_outcome(done: int, skipped: list) -> None:
    """Flash how many rows an action changed and name each skipped row with its reason."""
    if done:
        flash(ngettext("%(num)d record processed.", "%(num)d records processed.", done), "success")
    if skipped:
        names = "；".join(f"{name}（{message}）" for name, message in skipped)
        flash(
            ngettext("%(num)d record skipped: %(names)s", "%(num)d records skipped: %(names)s", len(skipped), names=names),
            "warning",
        )


class BulkReviewMixin:
    """Bulk review actions of a model view that first show the selected rows and ask for confirmation.

    A subclass names its actions in ``bulk_actions`` and implements
    ``can_apply(row, action)`` and ``apply_many(ids, action, reason)``; its
    Flask-Admin ``@action`` handlers return ``self.confirm_bulk(action, ids)``.
    """

    bulk_actions: tuple = ()

    def is_action_allowed(self, name):
        if name in self.bulk_actions:
            return permissions.is_ministry(current_user)
        return super().is_action_allowed(name)

    def row_label(self, row) -> str:
        return str(row)

    def row_status(self, row) -> str:
        return str(row.status_label)

    def confirm_bulk(self, action: str, ids):
        rows = self.get_scoped_ids(ids)
        items = [
            {"id": row.id, "label": self.row_label(row), "status": self.row_status(row), "applies": self.can_apply(row, action)}
            for row in rows
        ]
        transition = workflow.TRANSITIONS.get(action) or workflow.ROW_TRANSITIONS[action]
        return self.render(
            "admin/reviews/bulk_confirm.html",
            action=action,
            action_label=transition.label,
            needs_reason=transition.needs_reason,
            items=items,
            missing=len(ids) - len(rows),
            return_url=self.get_url(".index_view"),
        )

    @expose("/bulk/<action>/", methods=("POST",))
    def bulk_view(self, action):
        if action not in self.bulk_actions or not self.is_action_allowed(action):
            abort(403)
        ids = request.form.getlist("rowid")
        transition = workflow.TRANSITIONS.get(action) or workflow.ROW_TRANSITIONS[action]
        if transition.needs_reason and not request.form.get("reason", "").strip():
            flash(_("Enter the reason for “%(action)s”.", action=transition.label), "error")
            return self.confirm_bulk(action, ids)
        done, skipped = self.apply_many(ids, action, request.form.get("reason", ""))
        flash_outcome(len(done), skipped)
        logger.info("User %s ran bulk %s on %d rows (%d skipped)", current_user.id, action, len(ids), len(skipped))
        return redirect(self.get_url(".index_view"))
