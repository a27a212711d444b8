"""Forms for adding a user and changing a user's role."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from ...translation import lazy as _l

ROLE_CHOICES = [
    SelectChoice("owner", _l("Owner (everything)")),
    SelectChoice("developer", _l("Developer (services, keys, test page)")),
    SelectChoice("viewer", _l("Viewer (reports and balances, read-only)")),
]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired(_l("Choose a role."))])
    is_operator = BooleanField(_l("Platform operator"))


class UserForm(RoleForm):
    email = EmailField(_l("Email"), filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
                       validators=[DataRequired(_l("Enter your email.")),
                                   Email(_l("Enter a valid email address.")),
                                   Length(max=254, message=_l("The email address is too long."))])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter a password.")), Length(min=8, message=_l("The password must be at least 8 characters."))])
