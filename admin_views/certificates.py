"""Batch printing (批量打印) of issued certificates, and the certificate font warning on the dashboard."""

import io
import logging

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from models import CertificateStatus, Trainee, Workshop
from services import certificates, permissions
from services.certificate_fonts import certificate_font
from services.errors import DomainError, NotFound

from .dashboard import register_panel

logger = logging.getLogger(__name__)


def public_base_url() -> str:
    """Address the QR codes lead to: the PUBLIC_URL setting, else this request's host."""
    return current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")


def _selected_ids():
    """Trainee ids ticked in the form, or None when the whole workshop is asked for."""
    if request.form.get("scope") == "all":
        return None
    ids = []
    for value in request.form.getlist("trainee_id"):
        if value.isdigit():
            ids.append(int(value))
    return ids


class CertificatePrintView(BaseView):
    """Workshops whose certificates are issued, and the form that prints them as one PDF."""

    capability = permissions.VIEW_WORKSHOPS

    def is_accessible(self):
        return current_user.is_authenticated and permissions.has_capability(current_user, self.capability)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)

    @expose("/")
    def index(self):
        workshops = permissions.scope_workshops(Workshop.select(), current_user).where(
            Workshop.certificate_status == CertificateStatus.GENERATED
        )
        counts = (
            Trainee.select(Trainee.workshop, fn.COUNT(Trainee.id), fn.SUM(Trainee.print_count))
            .where(Trainee.workshop.in_(workshops.select(Workshop.id)) & Trainee.certificate_number.is_null(False))
            .group_by(Trainee.workshop)
            .tuples()
        )
        totals = {workshop_id: (issued, printed or 0) for workshop_id, issued, printed in counts}
        rows = list(workshops.order_by(Workshop.year.desc(), Workshop.id.desc()).limit(500))
        return self.render("admin/certificates/index.html", workshops=rows, totals=totals)

    @expose("/<int:workshop_id>/")
    def workshop(self, workshop_id):
        workshop = self._workshop_or_404(workshop_id)
        trainees = (
            Trainee.select()
            .where((Trainee.workshop == workshop.id) & Trainee.certificate_number.is_null(False))
            .order_by(Trainee.id)
        )
        return self.render(
            "admin/certificates/workshop.html",
            workshop=workshop,
            trainees=list(trainees),
            may_set_full_id=permissions.can_set_certificate_id_display(current_user, workshop),
            batch_max=current_app.config["CERTIFICATE_BATCH_MAX"],
        )

    @expose("/<int:workshop_id>/print", methods=("POST",))
    def print_pdf(self, workshop_id):
        try:
            workshop, count, pdf = certificates.print_workshop_certificates(
                current_user, workshop_id, _selected_ids(), public_base_url()
            )
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for(".workshop", workshop_id=workshop_id))
        return send_file(
            io.BytesIO(pdf),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=f"{workshop.name}-{count}.pdf",
        )

    @expose("/<int:workshop_id>/id-display", methods=("POST",))
    def id_display(self, workshop_id):
        try:
            certificates.set_full_id(current_user, workshop_id, request.form.get("full_id") == "1")
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The ID number setting of the certificates is saved."), "success")
        return redirect(url_for(".workshop", workshop_id=workshop_id))

    def _workshop_or_404(self, workshop_id):
        try:
            return certificates.printable_workshop(current_user, workshop_id)
        except NotFound:
            abort(404)
        except DomainError:
            abort(403)


@register_panel
def font_warning_panel(user):
    """Warn platform administrators when certificates fall back to a font that PDFs do not embed."""
    if not permissions.is_platform_admin(user):
        return None
    font = certificate_font(current_app.config["CERTIFICATE_FONT"])
    if font.embedded:
        return None
    return {"template": "admin/certificates/font_panel.html"}
