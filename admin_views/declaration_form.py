"""The declaration form (新建申报, 修改) with its Chinese validation."""

import decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp, ValidationError

from models import DeclarationYear, ProfessionalField

from .forms import AdminForm, BlankDecimalField, BlankIntegerField, TextField
from .organisations import PHONE_PATTERN

YES_NO = [SelectChoice("0", _l("No")), SelectChoice("1", _l("Yes"))]


def _to_bool(value):
    if isinstance(value, bool):
        return value
    return str(value) == "1"


class DeclarationForm(AdminForm):
    year = SelectField(_l("Year"), coerce=int, validators=[InputRequired(message=_l("Choose the year."))])
    name = TextField(
        _l("Project name"),
        validators=[DataRequired(message=_l("Enter the project name.")), Length(max=50, message=_l("At most 50 characters."))],
    )
    host_unit = TextField(
        _l("Host unit"),
        validators=[DataRequired(message=_l("Enter the host unit.")), Length(max=100, message=_l("At most 100 characters."))],
    )
    field = SelectField(_l("Field"), coerce=int, validators=[InputRequired(message=_l("Choose the field."))])
    is_featured = RadioField(_l("Featured workshop"), choices=YES_NO, default="0", coerce=_to_bool)
    # Optional() would stop the inline validators below, which decide when these are required.
    featured_years = BlankIntegerField(_l("Planned years as featured workshop"))
    self_funded = RadioField(_l("May be self-funded"), choices=YES_NO, default="0", coerce=_to_bool)
    amount = BlankDecimalField(_l("Amount (10,000 yuan)"), places=2)
    purpose = TextAreaField(
        _l("Purpose and role"),
        validators=[
            DataRequired(message=_l("Describe the purpose and role.")),
            Length(max=2000, message=_l("At most 2,000 characters.")),
        ],
    )
    start_date = DateField(
        _l("Planned start date"), validators=[InputRequired(message=_l("Enter the start date as YYYY-MM-DD."))]
    )
    end_date = DateField(_l("Planned end date"), validators=[InputRequired(message=_l("Enter the end date as YYYY-MM-DD."))])
    place = TextField(
        _l("Place"),
        validators=[DataRequired(message=_l("Enter the place.")), Length(max=100, message=_l("At most 100 characters."))],
    )
    contact_person = TextField(
        _l("Contact person"),
        validators=[DataRequired(message=_l("Enter the contact person.")), Length(max=50, message=_l("At most 50 characters."))],
    )
    contact_phone = TextField(
        _l("Contact phone"),
        validators=[
            DataRequired(message=_l("Enter the contact phone.")),
            Regexp(PHONE_PATTERN, message=_l("Enter digits, spaces, +, - or brackets only.")),
        ],
    )
    planned_trainees = IntegerField(
        _l("Planned number of trainees"),
        validators=[
            InputRequired(message=_l("Enter the planned number of trainees.")),
            NumberRange(min=1, max=10000, message=_l("Enter a whole number from 1 to 10,000.")),
        ],
    )
    attachment = FileField(
        _l("Declaration attachment"),
        description=_l("The stamped declaration form, scanned and packed as zip, rar or 7z; at most %(mb)s MB."),
    )
    version = HiddenField()

    def fill_choices(self, current_year=None):
        """Offer open years (plus the saved one) and fields in use."""
        years = DeclarationYear.open_years()
        if current_year and current_year not in years:
            years.append(current_year)
        self.year.choices = [SelectChoice(year, str(year)) for year in sorted(years)]
        self.field.choices = [SelectChoice(f.id, f.name) for f in ProfessionalField.in_use()]

    def validate_featured_years(self, field):
        if field.data is None:
            if self.is_featured.data:
                raise ValidationError(_l("A featured workshop needs its planned number of years."))
            return
        if not 1 <= field.data <= 10:
            raise ValidationError(_l("Enter a whole number of years from 1 to 10."))

    def validate_amount(self, field):
        if field.data is None:
            if not self.self_funded.data:
                raise ValidationError(_l("Enter the amount of a fiscal workshop."))
            return
        if not 0 <= field.data <= 99999:
            raise ValidationError(_l("Enter an amount from 0 to 99,999 (in units of 10,000 yuan)."))
        if field.data != field.data.quantize(decimal.Decimal("0.01")):
            raise ValidationError(_l("Enter the amount with at most two decimals."))

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def declaration_data(self) -> dict:
        """Return the validated values keyed by Workshop column."""
        return {
            "year": self.year.data,
            "name": self.name.data,
            "host_unit": self.host_unit.data,
            "field": self.field.data,
            "is_featured": self.is_featured.data,
            "featured_years": self.featured_years.data,
            "self_funded": self.self_funded.data,
            "amount": self.amount.data,
            "purpose": (self.purpose.data or "").strip(),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "place": self.place.data,
            "contact_person": self.contact_person.data,
            "contact_phone": self.contact_phone.data,
            "planned_trainees": self.planned_trainees.data,
        }
