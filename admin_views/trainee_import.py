"""Import of a trainee list workbook: upload page, progress, answer, marked workbook and the template."""

import io
import logging

from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from models import Trainee, TraineeListStatus, Workshop
from services import import_jobs, permissions, trainee_workbooks, trainees
from services.errors import NotFound, PermissionDenied
from services.storage import clean_filename

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The answer page lists this many errors; the marked workbook has all of them.
ERRORS_SHOWN = 500


def _download(data: bytes, filename: str):
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


class TraineeImportView(BaseView):
    """Pages of the trainee import; reached from the completion list, not from the menu."""

    def is_visible(self):
        return False

    def is_accessible(self):
        return current_user.is_authenticated and permissions.can_manage_trainee_lists(current_user)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        logger.warning("User %s denied access to the trainee import", current_user.id)
        abort(403)

    def _workshop(self, workshop_id) -> Workshop:
        try:
            return trainees.managed_workshop(current_user, workshop_id)
        except NotFound:
            abort(404)
        except PermissionDenied:
            abort(403)

    @expose("/")
    def index(self):
        return redirect(url_for("completion.index_view"))

    @expose("/<int:workshop_id>/", methods=("GET", "POST"))
    def upload(self, workshop_id):
        workshop = self._workshop(workshop_id)
        if request.method == "POST":
            return self._start(workshop)
        count = Trainee.select().where(Trainee.workshop == workshop.id).count()
        return self.render(
            "admin/trainees/import.html",
            workshop=workshop,
            count=count,
            list_status=TraineeListStatus.LABELS.get(workshop.trainee_list_status),
            max_rows=current_app.config["IMPORT_MAX_ROWS"],
            max_mb=current_app.config["IMPORT_MAX_BYTES"] // 2**20,
        )

    def _start(self, workshop):
        back = url_for(".upload", workshop_id=workshop.id)
        if workshop.trainee_list_locked:
            flash(
                _("The trainee list of “%(name)s” is submitted and locked; it cannot be imported again.", name=workshop.name),
                "error",
            )
            return redirect(back)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose the workbook to import."), "error")
            return redirect(back)
        # One byte over the limit is enough for the check to report the size.
        data = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        replace = request.form.get("replace") == "y"
        job = import_jobs.start(current_user, workshop, data, clean_filename(upload.filename), replace=replace)
        import_jobs.wait(job.token, current_app.config["IMPORT_PROGRESS_AFTER_SECONDS"])
        return redirect(url_for(".job", token=job.token))

    def _job(self, token):
        job = import_jobs.load(token, current_user)
        if job is None:
            abort(404)
        return job

    @expose("/job/<token>/")
    def job(self, token):
        job = self._job(token)
        workshop = permissions.scope_workshops(Workshop.select(), current_user).where(Workshop.id == job.workshop_id).first()
        if workshop is None:
            abort(404)
        errors = (job.result or {}).get("errors", [])
        return self.render(
            "admin/trainees/import_job.html",
            job=job,
            workshop=workshop,
            errors=errors[:ERRORS_SHOWN],
            error_count=len(errors),
            flags=(job.result or {}).get("flags", []),
        )

    @expose("/job/<token>/status")
    def status(self, token):
        job = self._job(token)
        return jsonify(
            state=job.state, phase=job.phase, done=job.done, total=job.total, percent=job.percent(), finished=job.finished
        )

    @expose("/job/<token>/marked.xlsx")
    def marked(self, token):
        job = self._job(token)
        data = import_jobs.marked_workbook(token, current_user)
        if data is None:
            abort(404)
        stem = job.filename.rsplit(".", 1)[0] or "trainees"
        return _download(data, _("%(name)s (marked).xlsx", name=stem))

    @expose("/<int:workshop_id>/template.xlsx")
    def template(self, workshop_id):
        workshop = self._workshop(workshop_id)
        return _download(trainee_workbooks.template_workbook(workshop.name), _("Trainee list template.xlsx"))
