"""The completion materials (结业材料) of one workshop: upload, replace and review each material."""

import logging

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from models import CompletionMaterial, MaterialKind, Workshop
from services import audit, completion_materials, documents, permissions, workflow
from services.errors import DomainError, NotFound

from .reviews import approved_workshops, badge, flash_refusal, timeline

logger = logging.getLogger(__name__)

REVIEW_ACTIONS = ("approve_material", "reject_material")


class CompletionMaterialsView(BaseView):
    """Per-workshop page; the list of workshops with these columns lives in the completion report list."""

    capability = permissions.VIEW_WORKSHOPS

    def is_visible(self):
        return False

    def is_accessible(self):
        return current_user.is_authenticated and permissions.has_capability(current_user, self.capability)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)

    def _workshop_or_404(self, workshop_id):
        workshop = approved_workshops(Workshop.select(), current_user).where(Workshop.id == workshop_id).first()
        if workshop is None:
            logger.warning("User %s asked for completion materials of workshop %s outside scope", current_user.id, workshop_id)
            abort(404)
        return workshop

    @expose("/")
    def index(self):
        return redirect(url_for("opening_plans.index_view"))

    @expose("/<int:workshop_id>/")
    def workshop_view(self, workshop_id):
        workshop = self._workshop_or_404(workshop_id)
        rows = []
        for state in completion_materials.material_summary(workshop):
            kinds = MaterialKind.DOCUMENT_KINDS[state.kind]
            probe = CompletionMaterial(workshop=workshop, kind=state.kind, status=state.status, version=state.version)
            rows.append(
                {
                    "state": state,
                    "badge": badge(state.status, state.status_label),
                    "versions": documents.versions(workshop, kinds),
                    "can_upload": workflow.can_row(current_user, probe, "submit_material"),
                    "reviews": [
                        name for name in REVIEW_ACTIONS if state.material_id and workflow.can_row(current_user, probe, name)
                    ],
                    "accept": ",".join(f".{ext}" for ext in sorted(completion_materials.MATERIAL_TYPES[state.kind])),
                    "types": "、".join(sorted(completion_materials.MATERIAL_TYPES[state.kind])),
                }
            )
        return self.render(
            "admin/completion_materials/workshop.html",
            workshop=workshop,
            rows=rows,
            limit_mb=current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
            sign_in=MaterialKind.SIGN_IN,
            timeline=timeline(workshop),
        )

    @expose("/<int:workshop_id>/upload/<kind>/", methods=("POST",))
    def upload_view(self, workshop_id, kind):
        workshop = self._workshop_or_404(workshop_id)
        if kind not in MaterialKind.LABELS:
            abort(404)
        try:
            completion_materials.upload_material(
                current_user,
                workshop.id,
                kind,
                request.files.get("file"),
                explanation=request.form.get("explanation") == "1",
                version=_int(request.form.get("version")),
            )
        except NotFound:
            abort(404)
        except DomainError as error:
            flash_refusal(error, "submit_material", f"workshop {workshop.id}")
        else:
            flash(
                _(
                    "%(material)s of “%(name)s” is uploaded and awaits review.",
                    material=MaterialKind.LABELS[kind],
                    name=workshop.name,
                ),
                "success",
            )
        return redirect(self.get_url(".workshop_view", workshop_id=workshop.id))

    @expose("/<int:workshop_id>/review/", methods=("POST",))
    def review_view(self, workshop_id):
        workshop = self._workshop_or_404(workshop_id)
        action_name = request.form.get("action")
        if action_name not in REVIEW_ACTIONS:
            abort(400)
        material = CompletionMaterial.get_or_none(
            CompletionMaterial.id == _int(request.form.get("id")), CompletionMaterial.workshop == workshop.id
        )
        if material is None:
            abort(404)
        try:
            workflow.perform_row(
                current_user,
                CompletionMaterial,
                material.id,
                action_name,
                request.form.get("reason", ""),
                version=_int(request.form.get("version")),
            )
        except DomainError as error:
            flash_refusal(error, action_name, f"completion material {material.id}")
        else:
            label = audit.describe_action(action_name)
            flash(_("“%(action)s” done for “%(name)s”.", action=label, name=str(material)), "success")
        return redirect(self.get_url(".workshop_view", workshop_id=workshop.id))


def _int(value):
    """Convert a form value to an integer; return None when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
