"""Operator forms: a gateway's settings, a number block, a service's routing. The rules live in
telephony.gateways; these forms only read what was typed (its errors come back per field)."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ...translation import lazy as _l
from ..fields import LocalizedIntegerField

KIND_CHOICES = [SelectChoice("sip", _l("SIP trunk")), SelectChoice("ami", _l("Asterisk AMI")),
                SelectChoice("simulator", _l("Simulator"))]
TRANSPORT_CHOICES = [SelectChoice("udp", _l("UDP (default)")), SelectChoice("tcp", _l("TCP (one lasting connection)"))]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class GatewayForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, default="sip")
    name = StringField(_l("Name"), filters=[_strip])
    host = StringField(_l("Host"), filters=[_strip])
    port = LocalizedIntegerField(_l("Port"))
    # The choice is checked by telephony.gateways (one rule, one Persian message), not by the field.
    transport = SelectField(_l("Transport"), choices=TRANSPORT_CHOICES, default="udp", validate_choice=False)
    username = StringField(_l("Username"), filters=[_strip])
    secret = PasswordField(_l("Password or secret"))
    from_domain = StringField(_l("From domain"), filters=[_strip])
    channel = StringField(_l("Dial template"), filters=[_strip])
    context = StringField(_l("Dialplan context"), filters=[_strip])
    ring_seconds = LocalizedIntegerField(_l("Ring seconds"), default=3)
    max_concurrent = LocalizedIntegerField(_l("Maximum concurrent calls"))
    blocks = TextAreaField(_l("Caller numbers"), filters=[_strip])

    def values(self):
        """What telephony.gateways expects."""
        return {name: getattr(self, name).data for name in (
            "kind", "name", "host", "port", "transport", "username", "secret", "from_domain", "channel",
            "context", "ring_seconds", "max_concurrent")}

    def blocks_typed(self):
        """Each non-empty line is one block (a pattern, or numbers separated by commas)."""
        return [line.strip() for line in (self.blocks.data or "").splitlines() if line.strip()]


class BlockForm(FlaskForm):
    block = StringField(_l("Pattern or numbers"), filters=[_strip])


class RouteForm(FlaskForm):
    gateway = SelectField(_l("Gateway"), coerce=int)
    fallback = SelectField(_l("Fallback gateway"), coerce=int)
