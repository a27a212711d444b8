"""Form fields shared by the dashboard's forms: integers typed in Persian, Arabic-Indic or Latin digits."""
from wtforms import IntegerField

from ..digits import to_latin
from ..translation import lazy as _l


class LocalizedIntegerField(IntegerField):
    """An IntegerField that reads '۴' and '٤' as 4, with a translated message for non-numbers."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = to_latin(valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from None
