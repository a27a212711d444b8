"""How a gateway wants the called number written: a template such as `{phone}` (E.164),
`{national}` (0912…), `{digits}` (98912…), used in SIP Request-URIs and AMI channels
(`PJSIP/{national}@trunk`, `SIP/trunk/{phone}`)."""
import string

import phonenumbers

FIELDS = ("phone", "national", "digits")


def dial_string(template, phone):
    number = phonenumbers.parse(phone)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    values = {"phone": phone, "national": "".join(ch for ch in national if ch.isdigit()),
              "digits": phone.lstrip("+")}
    return template.format(**values)


def unknown_fields(template):
    """The {names} in `template` that dial_string cannot fill (empty when it is usable)."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"{"}
    return names - set(FIELDS)
