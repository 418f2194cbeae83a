"""Back-office accounts: creation inside the subtree, deactivation and password resets."""

import logging

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from models import Organisation, User, db
from services import auth, permissions
from services.errors import DomainError, PermissionDenied, ValidationFailed

from .base import SecureModelView
from .forms import AdminForm, ScopedSelectField, TextField
from .organisations import PHONE_PATTERN

logger = logging.getLogger(__name__)


class UserForm(AdminForm):
    username = TextField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter a username.")),
            Regexp(r"^[A-Za-z0-9._-]{3,64}$", message=_l("3 to 64 letters, digits, dots, hyphens or underscores.")),
        ],
    )
    display_name = TextField(
        _l("Display name"),
        validators=[DataRequired(message=_l("Enter the name.")), Length(max=50, message=_l("At most 50 characters."))],
    )
    organisation = ScopedSelectField(_l("Organisation"))
    phone = TextField(
        _l("Phone"), validators=[Optional(), Regexp(PHONE_PATTERN, message=_l("Enter digits, spaces, +, - or brackets only."))]
    )
    is_active = BooleanField(_l("Active"), default=True)
    is_platform_admin = BooleanField(_l("Platform administrator"))
    password = PasswordField(
        _l("Initial password"),
        description=_l("Tell the user this password; they should change it after the first login."),
        validators=[DataRequired(message=_l("Enter an initial password.")), Length(max=256)],
    )


class UserEditForm(UserForm):
    """Usernames and passwords do not change here; passwords are reset with their own button."""

    username = None
    password = None


class UserAdmin(SecureModelView):
    """Accounts of the user's subtree (all accounts for platform administrators)."""

    capability = permissions.MANAGE_USERS
    scope = staticmethod(permissions.scope_users)

    can_delete = True
    column_list = ("username", "display_name", "organisation", "is_platform_admin", "is_active", "phone", "last_login_at")
    column_details_list = column_list + ("created_at", "password_changed_at")
    column_labels = {
        "username": _l("Username"),
        "display_name": _l("Display name"),
        "organisation": _l("Organisation"),
        "is_platform_admin": _l("Platform administrator"),
        "is_active": _l("Active"),
        "phone": _l("Phone"),
        "last_login_at": _l("Last login"),
        "created_at": _l("Created at"),
        "password_changed_at": _l("Password changed at"),
    }
    column_searchable_list = ("username", "display_name")
    column_filters = ("is_active", "is_platform_admin")
    column_default_sort = "username"
    column_sortable_list = ("username", "display_name", "last_login_at")
    column_extra_row_actions = None
    details_template = "admin/users/details.html"

    form = UserForm

    def _fill_choices(self, form):
        organisations = permissions.scope_organisations(Organisation.select(), current_user).where(Organisation.is_active)
        form.organisation.set_rows(organisations.order_by(Organisation.path), label=lambda o: f"{o.name}（{o.level_label}）")
        if not permissions.is_platform_admin(current_user):
            del form.is_platform_admin
        return form

    def create_form(self, obj=None):
        return self._fill_choices(super().create_form(obj))

    def get_edit_form(self):
        return UserEditForm

    def edit_form(self, obj=None):
        return self._fill_choices(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        organisation = Organisation.get_by_id(model.organisation_id)
        if not permissions.can_place_user_in(current_user, organisation):
            raise PermissionDenied(_("You may not place an account in %(name)s.", name=organisation.name))
        if is_created:
            if User.select().where(User.username == model.username).exists():
                raise ValidationFailed(_("The username %(name)s is already taken.", name=model.username))
            auth.check_password_strength(form.password.data)
            model.password_hash = auth.hash_password(form.password.data)
            return
        if not permissions.can_manage_user(current_user, model):
            raise PermissionDenied(_("You may not change the account %(name)s.", name=model.username))
        before = User.get_by_id(model.id)
        role_changed = (
            before.organisation_id != model.organisation_id
            or before.is_platform_admin != model.is_platform_admin
            or (before.is_active and not model.is_active)
        )
        if role_changed:
            # A new role or a deactivation ends the account's current sessions.
            model.session_version = before.session_version + 1

    def check_delete(self, model):
        if model.id == current_user.id:
            raise ValidationFailed(_("You cannot delete your own account."))
        if not permissions.can_manage_user(current_user, model):
            raise PermissionDenied(_("You may not delete the account %(name)s.", name=model.username))

    @expose("/reset-password/", methods=("POST",))
    def reset_password_view(self):
        target = self.get_one(request.form.get("id"))
        if target is None:
            abort(404)
        try:
            if not permissions.can_manage_user(current_user, target):
                raise PermissionDenied(_("You may not reset the password of %(name)s.", name=target.username))
            password = auth.generate_password()
            with db.atomic():
                auth.set_password(target, password, actor=current_user)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(self.get_url(".details_view", id=target.id))
        return self.render("admin/users/password_reset.html", target=target, password=password)
