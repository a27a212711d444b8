"""Form fields shared by the dashboard's forms: integers typed in Persian, Arabic-Indic or Latin digits."""
import re

from wtforms import IntegerField
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from ..digits import to_latin
from ..translation import lazy as _l
from .display import digits

WHOLE_NUMBER = re.compile(r"[-+]?[0-9]+")


class LocalizedIntegerField(IntegerField):
    """An IntegerField that reads '۴' and '٤' as 4 and shows its value in the page's digits, with a
    translated message for non-numbers. A text input (a number input refuses Persian digits)."""

    widget = TextInput()

    def _value(self):
        if self.data is not None:
            return digits(self.data)
        return self.raw_data[0] if self.raw_data else ""  # what could not be read comes back as typed

    def pre_validate(self, form):
        if self.process_errors:  # "Enter a whole number." says it all: no range message on top of it
            raise StopValidation()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = to_latin(valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        if not WHOLE_NUMBER.fullmatch(text):  # not int(): it would also take "1_000" and other digit forms
            self.data = None
            raise ValueError(_l("Enter a whole number."))
        self.data = int(text)
