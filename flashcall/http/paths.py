"""The URL prefixes of the JSON faces, which answer in JSON with the language from Accept-Language."""
API_PREFIX = "/api/v1"
COMPAT_PREFIX = "/telphin"
JSON_PREFIXES = ("/api/", COMPAT_PREFIX)


def is_json_face(path):
    return path.startswith(JSON_PREFIXES)
