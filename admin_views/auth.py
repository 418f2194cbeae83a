"""Login, logout and password change pages."""

import logging
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from services import auth
from services.errors import DomainError

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

DEFAULT_TARGET = "/admin/"


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, otherwise None."""
    if not target:
        return None
    target = target.strip()
    if any(c in target for c in "\\\r\n\t\x00"):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(message=_l("Enter your username.")), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=256)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired(message=_l("Enter your current password."))])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(message=_l("Enter a new password.")), Length(max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or DEFAULT_TARGET)
    error = None
    if form.validate_on_submit():
        try:
            user = auth.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except auth.LoginRefused as refused:
            error = refused.message
        else:
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(safe_next(form.next.data) or DEFAULT_TARGET)
    # A rejected login returns 200 so that browsers log no console error for it.
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        auth.end_sessions(current_user)
        logger.info("User %s logged out", current_user.id)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            auth.change_password(current_user, form.old_password.data, form.new_password.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            logout_user()
            session.clear()
            flash(_("Password changed. Log in again with the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form)
