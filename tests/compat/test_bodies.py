"""What /telphin/ takes as a body: a JSON object of at most 16 KB with non-empty string parameters free of
NUL; anything else is parameters_error (still HTTP 200, seed 002's shape)."""
import json

PARAMS = {"app_id": "fc_nobody", "app_secret": "wrong", "number": "09121234567"}


def _description(client, data):
    response = client.post("/telphin/", data=data, content_type="application/json")
    assert response.status_code == 200
    return response.get_json()["description"]


def _padded(size):
    """The parameters, padded with an unused field to exactly `size` bytes."""
    bare = json.dumps(dict(PARAMS, pad=""), separators=(",", ":"))
    return json.dumps(dict(PARAMS, pad="p" * (size - len(bare))), separators=(",", ":")).encode()


def test_a_body_of_exactly_16_kb_is_read_and_one_byte_more_is_not(client):
    assert len(_padded(16 * 1024)) == 16 * 1024
    assert _description(client, _padded(16 * 1024)) == "invalid_client"  # read: the key is what is wrong
    assert _description(client, _padded(16 * 1024 + 1)) == "parameters_error"


def test_what_is_not_an_object_of_clean_strings_is_a_parameters_error(client):
    assert _description(client, json.dumps([PARAMS])) == "parameters_error"
    assert _description(client, json.dumps("app_id")) == "parameters_error"
    assert _description(client, b"") == "parameters_error"
    assert _description(client, json.dumps(dict(PARAMS, app_secret="wr\x00ong"))) == "parameters_error"
    assert _description(client, json.dumps(dict(PARAMS, number=" "))) == "parameters_error"
