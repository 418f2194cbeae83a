"""Forms of the public certificate pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional


class PublicForm(FlaskForm):
    """A public form; CSRFProtect checks its token before the view runs, so the form does not check it again."""

    class Meta:
        csrf = False


class CaptchaMixin:
    captcha = StringField(_l("Verification code"), validators=[Optional(), Length(max=16)])


class SearchForm(CaptchaMixin, PublicForm):
    name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("Enter the full name.")), Length(max=50, message=_l("At most 50 characters."))],
    )
    id_number = StringField(
        _l("ID number"),
        validators=[
            DataRequired(message=_l("Enter the ID number.")),
            Length(max=40, message=_l("At most 40 characters.")),
        ],
    )


class VerifyForm(CaptchaMixin, PublicForm):
    number = StringField(
        _l("Certificate number"),
        validators=[
            DataRequired(message=_l("Enter the certificate number.")),
            Length(max=40, message=_l("At most 40 characters.")),
        ],
    )
    name = StringField(
        _l("Holder's name"),
        validators=[DataRequired(message=_l("Enter the holder's name.")), Length(max=50, message=_l("At most 50 characters."))],
    )
