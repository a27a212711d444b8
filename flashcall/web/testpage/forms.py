"""The form that starts a test call: one of the account's services or a pasted key, and a phone."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from ...translation import lazy as _l


class StartForm(FlaskForm):
    service_id = SelectField(_l("Service"), coerce=int, validate_choice=False)
    key = StringField(_l("Access key"), description=_l("Paste an access key, or leave empty and choose a service."))
    phone = StringField(_l("Phone number"), validators=[DataRequired(_l("Enter a phone number."))])
