import pytest

from flashcall.verification import VerificationError
from flashcall.verification.phones import allowed_phone, normalise


@pytest.mark.parametrize("raw", [
    "09121234567", "+989121234567", "00989121234567", "989121234567", "9121234567",
    "0912 123 4567", "0912-123-4567", "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", " +98 (912) 123-4567 ",
])
def test_every_way_of_writing_a_number_gives_one_e164(raw):
    assert normalise(raw) == "+989121234567"


@pytest.mark.parametrize("raw", ["", "abc", "0912", "+98912123456789012", None, 9121234567])
def test_garbage_is_invalid_parameters_naming_phone(app, raw):
    with app.test_request_context("/api/v1/calls"):
        with pytest.raises(VerificationError) as err:
            normalise(raw)
        assert err.value.message == "شماره تلفن معتبر نیست."
    assert err.value.code == "invalid_parameters" and err.value.fields["field"] == "phone"


def test_foreign_and_landline_numbers_are_refused_by_the_service_rules(service):
    with pytest.raises(VerificationError) as err:
        allowed_phone(service, "+447400123456")
    assert err.value.code == "direction_not_allowed"
    with pytest.raises(VerificationError) as err:
        allowed_phone(service, "02188776655")  # Tehran landline, service is mobile-only
    assert err.value.code == "direction_not_allowed"


def test_allowed_countries_and_landlines_when_enabled(service):
    service.allowed_countries = "IR,GB"
    service.mobile_only = False
    assert allowed_phone(service, "+447400123456") == "+447400123456"
    assert allowed_phone(service, "02188776655") == "+982188776655"
