"""Forms of signing in and of the account's security: password, two-factor codes, reset links."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ...accounts.credentials import MIN_PASSWORD_LENGTH
from ...translation import lazy as _l


def _email_field():
    return EmailField(_l("Email"), filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
                      validators=[DataRequired(_l("Enter your email.")), Email(_l("Enter a valid email address.")),
                                  Length(max=254, message=_l("The email address is too long."))])


def _new_password_fields():
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("The password must be at least 8 characters."))])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Enter the new password again.")),
        EqualTo("new_password", _l("The two passwords are not the same."))])
    return new, confirm


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=200, message=_l("The password is too long."))])
    remember = BooleanField(_l("Remember me"))


class CodeForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"), validators=[
        DataRequired(_l("Enter the code.")), Length(max=40, message=_l("The code is too long."))])


class TwoFactorSetupForm(FlaskForm):
    code = StringField(_l("The six-digit code the app shows"), validators=[
        DataRequired(_l("Enter the code.")), Length(max=40, message=_l("The code is too long."))])


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password.")),
                                                              Length(max=200, message=_l("The password is too long."))])


class TwoFactorDisableForm(PasswordConfirmForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"), validators=[
        DataRequired(_l("Enter the code.")), Length(max=40, message=_l("The code is too long."))])


class PasswordChangeForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Enter your current password.")), Length(max=200, message=_l("The password is too long."))])
    new_password, confirm = _new_password_fields()


class PasswordResetForm(FlaskForm):
    new_password, confirm = _new_password_fields()


class EmailForm(FlaskForm):
    email = _email_field()
