"""The new-access-key form."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ...translation import lazy as _l


class KeyForm(FlaskForm):
    label = StringField(_l("Label"), filters=[lambda v: v.strip() if isinstance(v, str) else v], validators=[
        DataRequired(_l("Give the key a label, e.g. the app or server that uses it.")),
        Length(max=120, message=_l("The label is too long."))])
