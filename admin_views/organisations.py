"""Organisations: platform administrators manage all, provinces manage their subtree."""

import logging

from flask_admin.contrib.peewee.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from models import UNIT, Organisation, User
from models.organisations import LEVEL_LABELS
from services import permissions
from services.errors import PermissionDenied, ValidationFailed

from .base import SecureModelView
from .forms import AdminForm, ScopedSelectField, TextField

logger = logging.getLogger(__name__)

PHONE_PATTERN = r"^[0-9+\-() ]{5,32}$"


class OrganisationForm(AdminForm):
    name = TextField(
        _l("Name"), validators=[DataRequired(message=_l("Enter the name.")), Length(max=50, message=_l("At most 50 characters."))]
    )
    code = TextField(
        _l("Organisation code"),
        validators=[
            DataRequired(message=_l("Enter the organisation code.")),
            Length(max=32, message=_l("At most 32 characters.")),
        ],
    )
    parent = ScopedSelectField(_l("Parent organisation"))
    region = TextField(_l("Region"), validators=[Optional(), Length(max=50, message=_l("At most 50 characters."))])
    contact_person = TextField(
        _l("Contact person"), validators=[Optional(), Length(max=50, message=_l("At most 50 characters."))]
    )
    phone = TextField(
        _l("Phone"), validators=[Optional(), Regexp(PHONE_PATTERN, message=_l("Enter digits, spaces, +, - or brackets only."))]
    )
    is_active = BooleanField(_l("Active"), default=True)


class OrganisationEditForm(OrganisationForm):
    """The parent stays fixed after creation, so nothing can be moved out of a subtree."""

    parent = None


class OrganisationAdmin(SecureModelView):
    """Organisation tree: list, create below an allowed parent, edit, deactivate."""

    capability = permissions.MANAGE_ORGANISATIONS
    scope = staticmethod(permissions.scope_organisations)

    can_delete = True
    column_list = ("name", "code", "level", "parent", "region", "contact_person", "phone", "is_active")
    column_labels = {
        "name": _l("Name"),
        "code": _l("Organisation code"),
        "level": _l("Level"),
        "parent": _l("Parent organisation"),
        "region": _l("Region"),
        "contact_person": _l("Contact person"),
        "phone": _l("Phone"),
        "is_active": _l("Active"),
        "created_at": _l("Created at"),
    }
    column_details_list = ("name", "code", "level", "parent", "region", "contact_person", "phone", "is_active", "created_at")
    column_formatters = {"level": lambda v, c, m, n: m.level_label}
    column_formatters_detail = column_formatters
    column_searchable_list = ("name", "code")
    column_filters = (
        FilterEqual(column=Organisation.level, name=_l("Level"), options=[(str(k), v) for k, v in LEVEL_LABELS.items()]),
        "is_active",
    )
    column_default_sort = "path"
    column_sortable_list = ("name", "code", "level")

    form = OrganisationForm

    def create_form(self, obj=None):
        form = super().create_form(obj)
        parents = self.get_query().where(Organisation.level < UNIT, Organisation.is_active)
        form.parent.set_rows(parents.order_by(Organisation.path), label=lambda o: f"{o.name}（{o.level_label}）")
        return form

    def get_edit_form(self):
        return OrganisationEditForm

    def on_model_change(self, form, model, is_created):
        code_taken = Organisation.select().where(Organisation.code == model.code.strip(), Organisation.id != (model.id or 0))
        if code_taken.exists():
            raise ValidationFailed(_("The organisation code %(code)s is already used.", code=model.code))
        model.code = model.code.strip()
        if is_created:
            parent = Organisation.get_by_id(model.parent_id)
            if not permissions.can_add_child_organisation(current_user, parent):
                raise PermissionDenied(_("You may not add an organisation under %(name)s.", name=parent.name))
            model.level = parent.level + 1
            model.path = ""
        elif not permissions.can_manage_organisation(current_user, model):
            raise PermissionDenied(_("You may not change %(name)s.", name=model.name))

    def after_model_change(self, form, model, is_created):
        if is_created:
            model.refresh_path()
            logger.info("User %s created organisation %s", current_user.id, model.id)
        elif not model.is_active:
            # Deactivation ends the sessions of everyone in the organisation at once.
            User.update(session_version=User.session_version + 1).where(User.organisation == model).execute()

    def check_delete(self, model):
        if not permissions.can_manage_organisation(current_user, model):
            raise PermissionDenied(_("You may not delete %(name)s.", name=model.name))
        if model.children.exists() or model.users.exists() or model.workshops.exists():
            raise ValidationFailed(
                _(
                    "%(name)s still has subordinate organisations, users or workshops and cannot be deleted. Deactivate it instead.",
                    name=model.name,
                )
            )
