"""The one error of report input: which parameter is wrong and why, or an id the account does not own."""


class ReportError(Exception):
    """`field` names the parameter; `not_found` marks a service or key id outside the account
    (pages answer 404, so ids reveal nothing)."""

    def __init__(self, field, message, not_found=False):
        super().__init__(field)
        self.field = field
        self._message = message
        self.not_found = not_found

    @property
    def message(self):
        """Localised text (call inside a request or app context with a locale)."""
        return str(self._message)
