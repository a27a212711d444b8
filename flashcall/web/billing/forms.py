"""Top-up and money forms. Amounts are read by the billing domain (any digits, the shown unit)."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...translation import lazy as _l


class TopUpForm(FlaskForm):
    service_id = SelectField(_l("Service"), coerce=int, validators=[DataRequired(_l("Choose a service."))])
    amount = StringField(_l("Amount"), validators=[Length(max=40)])


class ManualTopUpForm(TopUpForm):
    bank_reference = StringField(_l("Bank tracking number"), validators=[Length(max=100)])
    transfer_date = StringField(_l("Transfer date"), validators=[Optional(), Length(max=20)])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=300)])


class AdjustForm(FlaskForm):
    service_id = SelectField(_l("Service"), coerce=int, validators=[DataRequired(_l("Choose a service."))])
    amount = StringField(_l("Amount (negative to debit)"), validators=[Length(max=40)])
    reason = StringField(_l("Reason"), validators=[Length(max=200)])


class LimitForm(FlaskForm):
    limit = StringField(_l("Negative limit"), validators=[Length(max=40)])


class PriceForm(FlaskForm):
    price = StringField(_l("Price per delivered call"), validators=[Length(max=40)])


class PlatformForm(FlaskForm):
    default_price = StringField(_l("Default price for new services"), validators=[Length(max=40)])
    topup_max = StringField(_l("Largest top-up"), validators=[Length(max=40)])
    payment_provider = SelectField(_l("Online payment provider"), choices=[])
