"""What the person holding the phone sees: the missed calls on the simulator's virtual phone, and the code
they type, the newest caller number's last digits. Tests take the right code from here, as a person
would, never from Call.code: a code computed wrongly on both sides must not pass."""
from flashcall.telephony.drivers import simulator


def missed_calls(phone):
    """The caller numbers the virtual phone `phone` (E.164) shows, newest first."""
    return [entry.caller_number for entry, _service in simulator.inbox(phone)]


def typed_code(phone, length):
    """The code a person types: the last `length` digits (the app says how many) of the newest missed call."""
    shown = missed_calls(phone)
    assert shown, f"the virtual phone {phone} shows no missed call"
    return shown[0][-length:]
