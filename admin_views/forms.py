"""Form pieces shared by the admin views."""

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice


class AdminForm(FlaskForm):
    """Base of every admin form. CSRFProtect checks the token on every POST,
    so the form itself does not validate it a second time."""

    class Meta:
        csrf = False

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Flask-Admin's templates show only plain str errors, and validator
        # messages here are lazy translations.
        for field in self:
            if isinstance(field.errors, list):
                field.errors = [str(error) if not isinstance(error, (list, dict)) else error for error in field.errors]
        return valid


class ScopedSelectField(SelectField):
    """A foreign-key choice whose options a view fills from a scoped query.

    Only ids among the options validate, so a posted id from another subtree is
    rejected with a form error.
    """

    def __init__(self, label=None, validators=None, allow_blank=False, blank_text="", **kwargs):
        super().__init__(label, validators, coerce=self._coerce, choices=[], **kwargs)
        self.allow_blank = allow_blank
        self.blank_text = blank_text

    @staticmethod
    def _coerce(value):
        if value in (None, "", "None"):
            return None
        if hasattr(value, "id"):
            return value.id
        return int(value)

    def set_rows(self, rows, label=str):
        choices = [SelectChoice(row.id, label(row)) for row in rows]
        if self.allow_blank:
            choices.insert(0, SelectChoice(None, self.blank_text))
        self.choices = choices

    def pre_validate(self, form):
        if self.data is None and self.allow_blank:
            return
        super().pre_validate(form)


def _strip(value):
    return value.strip() if isinstance(value, str) else (value or "")


class TextField(StringField):
    """A text input whose value is stripped and never None (the columns are NOT NULL)."""

    def __init__(self, label=None, validators=None, filters=(), **kwargs):
        super().__init__(label, validators, filters=(_strip, *filters), **kwargs)


class _BlankIsNone:
    """An empty input gives None without a parse error; the form's validators decide whether that is allowed."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class BlankIntegerField(_BlankIsNone, IntegerField):
    pass


class BlankDecimalField(_BlankIsNone, DecimalField):
    pass
