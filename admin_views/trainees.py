"""Trainee lists in the admin: scoped list, single add, edit and delete, inline edits and export."""

import logging

from flask import flash, g, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee.filters import BooleanEqualFilter, FilterEqual, IntEqualFilter
from flask_admin.model.form import create_editable_list_form
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from wtforms import Form, SelectField, StringField

from models import DocumentType, Trainee, TraineeListStatus, Workshop
from services import permissions, trainees
from services import trainee_rows as tr
from services.crypto import cipher
from services.errors import DomainError

from .base import SecureModelView
from .forms import AdminForm, ScopedSelectField, TextField

logger = logging.getLogger(__name__)

# Form field name -> template column, so that the import's checks name the right field.
FORM_COLUMNS = {
    "name": tr.FIELD_NAME,
    "hours": tr.FIELD_HOURS,
    "id_number": tr.FIELD_ID,
    "phone": tr.FIELD_PHONE,
    "document_type": tr.FIELD_TYPE,
}
EXPORT_CHUNK = 2000
_WORKSHOP_FILTER, _TYPE_FILTER, _VERIFY_FILTER = 0, 1, 2


def _document_type_choices():
    return [("", _l("Resident ID card"))] + [
        (code, label) for code, label in DocumentType.LABELS.items() if code != DocumentType.RESIDENT_ID
    ]


class TraineeForm(AdminForm):
    workshop = ScopedSelectField(_l("Workshop"))
    name = TextField(_l("Trainee name"))
    hours = TextField(_l("Completed hours"), description=_l("A number greater than zero, such as 40."))
    document_type = SelectField(_l("Document type"), choices=_document_type_choices)
    id_number = TextField(
        _l("ID number"), description=_l("18 characters for a resident ID card; the number of the document otherwise.")
    )
    phone = TextField(_l("Contact phone"), description=_l("Optional: a mobile number or a landline number with area code."))


class TraineeEditForm(TraineeForm):
    """A trainee stays on the list of the workshop it was added to."""

    workshop = None


class TraineeInlineForm(Form):
    name = StringField(_l("Trainee name"))
    hours = StringField(_l("Completed hours"))
    phone = StringField(_l("Contact phone"))


def raw_values(form) -> dict:
    """The form's values as {template column: value}, as the import reads them."""
    raw = {}
    for field_name, column in FORM_COLUMNS.items():
        if field_name in form:
            value = form[field_name].data
            if field_name == "document_type":
                value = tr.DOCUMENT_TYPE_NAMES.get(value) if value else None
            raw[column] = value
    return raw


def _workshop_name(view, context, model, name):
    return model.workshop.name


def _verification(view, context, model, name):
    if not model.needs_verification:
        return ""
    return Markup('<span class="status-badge status-submitted">{}</span>').format(_("To verify"))


class TraineeAdmin(SecureModelView):
    """Trainees of the workshops in the user's subtree; provinces change open lists of approved workshops."""

    capability = permissions.VIEW_TRAINEES
    scope = staticmethod(permissions.scope_trainees)

    list_template = "admin/trainees/list.html"
    column_list = (
        "workshop",
        "name",
        "document_type",
        "id_number_masked",
        "hours",
        "phone",
        "certificate_number",
        "needs_verification",
    )
    column_details_list = (*column_list, "certificate_issued_on", "created_at")
    column_export_list = (
        "workshop",
        "name",
        "document_type",
        "id_number_masked",
        "hours",
        "phone",
        "certificate_number",
        "certificate_issued_on",
    )
    column_labels = {
        "workshop": _l("Project name"),
        "name": _l("Trainee name"),
        "document_type": _l("Document type"),
        "id_number_masked": _l("ID number"),
        "hours": _l("Completed hours"),
        "phone": _l("Contact phone"),
        "certificate_number": _l("Certificate number"),
        "certificate_issued_on": _l("Issue date"),
        "needs_verification": _l("Document check"),
        "created_at": _l("Added at"),
    }
    column_formatters = {
        "workshop": _workshop_name,
        "document_type": lambda v, c, m, n: m.document_type_label,
        "needs_verification": _verification,
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "workshop": _workshop_name,
        "document_type": lambda v, c, m, n: str(m.document_type_label),
    }
    # Only indexed columns sort, so that a page stays fast on a long table.
    column_sortable_list = ("name", "certificate_number")
    column_default_sort = ("id", True)
    column_searchable_list = ("name",)
    column_filters = (
        IntEqualFilter(column=Trainee.workshop, name=_l("Workshop id")),
        FilterEqual(column=Trainee.document_type, name=_l("Document type"), options=list(DocumentType.LABELS.items())),
        BooleanEqualFilter(column=Trainee.needs_verification, name=_l("Document to verify")),
    )
    column_editable_list = ("name", "hours", "phone")
    can_export = True
    form = TraineeForm

    # Managing follows the user's role; whether a list is still open is decided per row below the views.

    @property
    def can_create(self):
        return permissions.can_manage_trainee_lists(current_user)

    @property
    def can_edit(self):
        return permissions.can_manage_trainee_lists(current_user)

    @property
    def can_delete(self):
        return permissions.can_manage_trainee_lists(current_user)

    def get_query(self):
        return self.scope(Trainee.select(Trainee, Workshop).join(Workshop), current_user)

    def list_url(self, workshop_id=None, verify=False):
        args = {}
        if workshop_id is not None:
            args[f"flt0_{_WORKSHOP_FILTER}"] = workshop_id
        if verify:
            args[f"flt{len(args)}_{_VERIFY_FILTER}"] = 1
        return url_for(f"{self.endpoint}.index_view", **args)

    # Forms

    def scaffold_list_form(self, widget=None, validators=None):
        return create_editable_list_form(AdminForm, TraineeInlineForm, widget)

    def get_edit_form(self):
        return TraineeEditForm

    def create_form(self, obj=None):
        form = super().create_form(obj)
        workshops = permissions.scope_managed_trainee_lists(Workshop.select(), current_user).where(
            Workshop.trainee_list_locked == False  # noqa: E712
        )
        form.workshop.set_rows(workshops.order_by(Workshop.id.desc()))
        if request.method == "GET" and request.args.get("workshop", "").isdigit():
            form.workshop.data = int(request.args["workshop"])
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if request.method == "GET" and obj is not None:
            form.id_number.data = cipher().decrypt(obj.id_number_encrypted)
            form.hours.data = f"{obj.hours.normalize():f}"
            form.document_type.data = "" if obj.document_type == DocumentType.RESIDENT_ID else obj.document_type
        return form

    def _show_problems(self, form, rejected):
        for field_name, column in FORM_COLUMNS.items():
            problem = rejected.problems.get(column)
            if problem is not None and field_name in form:
                form[field_name].errors = [*form[field_name].errors, problem.text]
        if "id_number" not in form:
            # The inline editor shows flashed messages only.
            flash(rejected.message, "error")

    def create_model(self, form):
        try:
            return trainees.add_trainee(current_user, form.workshop.data, raw_values(form))
        except trainees.ValuesRejected as rejected:
            self._show_problems(form, rejected)
        except Exception as ex:
            self.handle_view_exception(ex)
        return False

    def update_model(self, form, model):
        try:
            trainees.update_trainee(current_user, model.id, raw_values(form))
            return True
        except trainees.ValuesRejected as rejected:
            self._show_problems(form, rejected)
        except Exception as ex:
            self.handle_view_exception(ex)
        return False

    def delete_model(self, model):
        try:
            trainees.delete_trainee(current_user, model.id)
            return True
        except Exception as ex:
            self.handle_view_exception(ex)
            return False

    @action("delete", _l("Delete"), _l("Delete the selected trainees?"))
    def action_delete(self, ids):
        deleted, refused = 0, {}
        for row in self.get_scoped_ids(ids):
            try:
                trainees.delete_trainee(current_user, row.id)
                deleted += 1
            except DomainError as error:
                refused[error.message] = refused.get(error.message, 0) + 1
        if deleted:
            flash(ngettext("%(num)d trainee deleted.", "%(num)d trainees deleted.", deleted), "success")
        for message, count in refused.items():
            flash(_("%(count)d not deleted: %(reason)s", count=count, reason=message), "error")

    # List page with the context of one workshop's list

    @expose("/")
    def index_view(self):
        workshop = self._filtered_workshop()
        if workshop is not None:
            from .completion import row_buttons

            self._template_args.update(
                list_workshop=workshop,
                list_buttons=row_buttons(current_user, workshop),
                list_status_label=TraineeListStatus.LABELS.get(workshop.trainee_list_status),
            )
        return super().index_view()

    def _filtered_workshop(self):
        for key, value in request.args.items():
            if key.startswith("flt") and key.endswith(f"_{_WORKSHOP_FILTER}") and value.isdigit():
                query = permissions.scope_workshops(Workshop.select(), current_user)
                return query.where(Workshop.id == int(value)).first()
        return None

    # Export in chunks, so that 100,000 trainees never sit in memory at once.

    def _export_data(self):
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        count, query = self.get_list(
            0, sort[0] if sort else None, view_args.sort_desc, view_args.search, view_args.filters, execute=False, page_size=0
        )
        query = query.select(*self._EXPORT_SELECT).order_by_extend(Trainee.id.desc()).tuples()
        return count, self._chunks(query)

    # Exported columns, in the order of column_export_list, read as plain tuples:
    # building two peewee models per row costs more than writing the row.
    _EXPORT_SELECT = (
        Workshop.name,
        Trainee.name,
        Trainee.document_type,
        Trainee.id_number_masked,
        Trainee.hours,
        Trainee.phone,
        Trainee.certificate_number,
        Trainee.certificate_issued_on,
    )

    def export_row(self, row):
        labels = self._document_labels()
        workshop, name, document_type, masked, hours, phone, number, issued_on = row
        return [workshop, name, labels.get(document_type, document_type), masked, hours, phone, number or "", issued_on]

    def _document_labels(self):
        # Translated once per request instead of once per exported row.
        if "trainee_document_labels" not in g:
            g.trainee_document_labels = {code: str(label) for code, label in DocumentType.LABELS.items()}
        return g.trainee_document_labels

    def _chunks(self, query):
        for offset in range(0, self.export_max_rows, EXPORT_CHUNK):
            rows = list(query.limit(min(EXPORT_CHUNK, self.export_max_rows - offset)).offset(offset))
            yield from rows
            if len(rows) < EXPORT_CHUNK:
                return
