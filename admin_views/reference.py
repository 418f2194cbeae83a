"""Reference data: fields (所属领域) and declaration years, for platform administrators."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField
from wtforms.validators import DataRequired, Length, NumberRange

from models import DeclarationYear, ProfessionalField
from services import permissions
from services.errors import ValidationFailed

from .base import SecureModelView
from .forms import AdminForm, TextField


class ProfessionalFieldForm(AdminForm):
    name = TextField(
        _l("Field name"),
        validators=[DataRequired(message=_l("Enter the name.")), Length(max=50, message=_l("At most 50 characters."))],
    )
    sort_order = IntegerField(_l("Sort order"), default=0)
    is_active = BooleanField(_l("In use"), default=True)


class DeclarationYearForm(AdminForm):
    year = IntegerField(
        _l("Year"),
        validators=[
            DataRequired(message=_l("Enter the year.")),
            NumberRange(min=2000, max=2100, message=_l("Enter a year between 2000 and 2100.")),
        ],
    )
    is_open = BooleanField(_l("Open for declarations"), default=True)


class ProfessionalFieldAdmin(SecureModelView):
    capability = permissions.MANAGE_REFERENCE
    scope = staticmethod(permissions.scope_reference)
    can_delete = True
    column_list = ("name", "sort_order", "is_active")
    column_labels = {"name": _l("Field name"), "sort_order": _l("Sort order"), "is_active": _l("In use")}
    column_default_sort = "sort_order"
    form = ProfessionalFieldForm

    def on_model_change(self, form, model, is_created):
        taken = ProfessionalField.select().where(ProfessionalField.name == model.name, ProfessionalField.id != (model.id or 0))
        if taken.exists():
            raise ValidationFailed(_("The field %(name)s already exists.", name=model.name))


class DeclarationYearAdmin(SecureModelView):
    capability = permissions.MANAGE_REFERENCE
    scope = staticmethod(permissions.scope_reference)
    can_delete = True
    column_list = ("year", "is_open")
    column_labels = {"year": _l("Year"), "is_open": _l("Open for declarations")}
    column_default_sort = ("year", True)
    form = DeclarationYearForm

    def on_model_change(self, form, model, is_created):
        taken = DeclarationYear.select().where(DeclarationYear.year == model.year, DeclarationYear.id != (model.id or 0))
        if taken.exists():
            raise ValidationFailed(_("The year %(year)s already exists.", year=model.year))
