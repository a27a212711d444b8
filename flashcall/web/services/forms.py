"""The service settings form; its limits come from accounts.SERVICE_LIMITS, shared with the CLI."""
from urllib.parse import urlparse

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..fields import LocalizedIntegerField
from ...translation import lazy as _l
from ...accounts import SERVICE_LIMITS, ProvisioningError, normalise_countries, service_name_taken
from ...webhooks import targets

NAME_TAKEN = _l("You already have a service with this name. Choose another name, so the two are not mixed up.")


def _range(field, message):
    low, high = SERVICE_LIMITS[field]
    return [InputRequired(message), NumberRange(low, high, message)]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def valid_countries(form, field):
    try:
        field.data = normalise_countries(field.data or "")
    except ProvisioningError:
        raise ValidationError(_("Enter two-letter country codes such as IR, or IR, AF.")) from None


def http_url(form, field):
    parts = urlparse(field.data)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_("Enter a web address starting with http:// or https://."))


def public_target(form, field):
    """No webhook to loopback, private or reserved addresses (unless the operator allows private ones)."""
    try:
        targets.check(field.data, allow_private=current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False))
    except targets.TargetRefused as refused:
        raise ValidationError(str(refused.message)) from None


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(_l("Enter a name for the service.")), Length(max=120, message=_l("The name is too long."))])
    code_length = LocalizedIntegerField(_l("Code digits"), default=4, validators=_range(
        "code_length", _l("Code length must be between 3 and 6.")))
    code_lifetime_minutes = LocalizedIntegerField(_l("Code lifetime (minutes)"), default=2, validators=_range(
        "code_lifetime_minutes", _l("Code lifetime must be between 1 and 60 minutes.")))
    max_attempts = LocalizedIntegerField(_l("Maximum verification attempts"), default=3, validators=_range(
        "max_attempts", _l("Maximum attempts must be between 1 and 10.")))
    min_interval_seconds = LocalizedIntegerField(_l("Minimum seconds between calls to one number"), default=120,
                                                 validators=_range("min_interval_seconds", _l(
                                                     "The interval must be between 0 and 86400 seconds.")))
    daily_limit = LocalizedIntegerField(_l("Maximum calls to one number per day"), default=10, validators=_range(
        "daily_limit", _l("The daily limit must be between 1 and 1000.")))
    allowed_countries = StringField(_l("Allowed countries"), default="IR", filters=[_strip],
                                    validators=[valid_countries])
    mobile_only = BooleanField(_l("Mobile numbers only"), default=True)
    webhook_url = StringField(_l("Webhook URL"), filters=[_strip], validators=[
        Optional(), Length(max=500, message=_l("The address is too long.")), http_url, public_target])

    editing_id = None  # the service being edited: its own name is not a duplicate

    def validate_name(self, field):
        if field.data and service_name_taken(current_user.account_id, field.data, self.editing_id):
            raise ValidationError(NAME_TAKEN)

    def settings(self):
        """The form's values as keyword arguments for accounts."""
        fields = {name: self[name].data for name in (
            "name", "code_length", "code_lifetime_minutes", "max_attempts", "min_interval_seconds",
            "daily_limit", "allowed_countries", "mobile_only", "webhook_url")}
        fields["webhook_url"] = fields["webhook_url"] or None
        return fields
