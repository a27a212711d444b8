"""Where a page may send the browser next: only to a path on this site, judged after normalising
the target the way a browser will (it drops tabs and newlines and reads '\\' as '/')."""
import re
from urllib.parse import urlsplit

_DROPPED = re.compile(r"[\t\n\r]")
_EDGES = "".join(chr(c) for c in range(0x21))  # C0 controls and space, trimmed at both ends


def safe_next(target):
    """`target` as a local path, or None if a browser could read it as another site."""
    if not isinstance(target, str) or not target:
        return None
    path = _DROPPED.sub("", target).strip(_EDGES).replace("\\", "/")
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return None
    return path
