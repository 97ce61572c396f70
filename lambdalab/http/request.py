"""One HTTP request as a front door receives it, normalised once for every event builder."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

# Bodies with these content types are passed as text; anything else (or bytes that are not
# UTF-8) is base64-encoded with isBase64Encoded true. L/urls-invocation.html: "If the content
# type of the request is binary, the body is base64-encoded".
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "application/graphql", "+json", "+xml")


@dataclass
class Request:
    """``method path?query`` with headers as (name, value) pairs in arrival order."""

    method: str = "GET"
    path: str = "/"
    raw_query: str = ""
    headers: list = field(default_factory=list)   # [(name as sent, value)]
    body: bytes | None = None
    source_ip: str = "198.51.100.10"              # TEST-NET-2 (RFC 5737): never a real client
    cookies: list = field(default_factory=list)   # ["name=value", ...]

    @classmethod
    def build(cls, method="GET", path="/", query=None, headers=None, body=None,
              source_ip=None, cookies=None) -> "Request":
        """Accept the friendly forms: ``path`` may carry ``?query``; ``query`` a string, a dict
        (a list value repeats the key) or pairs; ``headers`` a dict or pairs; ``body`` bytes,
        str, or any other JSON value (sent as application/json); ``cookies`` a dict or
        ``["a=1"]`` (a ``Cookie`` header is split the same way)."""
        path, _, in_path = (path or "/").partition("?")
        if not path.startswith("/"):
            path = "/" + path
        raw_query = in_path if query is None else _raw_query(query)
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        pairs = [(str(k), str(v)) for k, v in pairs]
        names = {k.lower() for k, _ in pairs}
        if body is not None and not isinstance(body, (bytes, bytearray, str)):
            body = json.dumps(body)
            if "content-type" not in names:
                pairs.append(("content-type", "application/json"))
        if isinstance(body, str):
            body = body.encode()
        jar = [f"{k}={v}" for k, v in cookies.items()] if isinstance(cookies, dict) \
            else list(cookies or [])
        for k, v in pairs:
            if k.lower() == "cookie":
                jar += [c.strip() for c in v.split(";") if c.strip()]
        pairs = [(k, v) for k, v in pairs if k.lower() != "cookie"]
        return cls(method.upper(), path, raw_query, pairs,
                   None if body is None else bytes(body),
                   source_ip or cls.source_ip, jar)

    # --- views the builders share ----------------------------------------------------------
    def header(self, name: str, default=None):
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else default

    def query_pairs(self) -> list:
        """Decoded (name, value) pairs, in order, blanks kept."""
        return parse_qsl(self.raw_query, keep_blank_values=True)

    def body_field(self) -> tuple[str | None, bool]:
        """(``body``, ``isBase64Encoded``) as the event carries them."""
        if self.body is None:
            return None, False
        ctype = (self.header("content-type") or "").lower()
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and (not ctype or any(t in ctype for t in _TEXT_TYPES)):
            return text, False
        return base64.b64encode(self.body).decode(), True


def _raw_query(query) -> str:
    if isinstance(query, str):
        return query.lstrip("?")
    items = query.items() if isinstance(query, dict) else query
    pairs = []
    for k, v in items:
        for one in (v if isinstance(v, (list, tuple)) else [v]):
            pairs.append((k, one))
    return urlencode(pairs)
