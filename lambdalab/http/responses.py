"""Turning what a handler returned (or how it failed) into the HTTP response each door sends."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from http import HTTPStatus


@dataclass
class Response:
    """An HTTP response from a front door. ``headers`` maps lower-case names to values
    (repeated headers comma-joined); ``cookies`` are the ``Set-Cookie`` values."""

    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    cookies: list = field(default_factory=list)
    reason: str = ""                # the status line's phrase (an ALB's statusDescription)
    event: dict | None = None       # the event the function received (None if not invoked)
    attempt: object = None          # the Lambda attempt record

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {len(self.body)} bytes>"


def _error(status: int, message: str, key: str = "message") -> Response:
    return Response(status, {"content-type": "application/json"},
                    json.dumps({key: message}).encode())


def _body(result: dict) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        body = json.dumps(body)
    return base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()


def _headers(result: dict, *names) -> dict:
    out: dict = {}
    for name in names:
        for k, v in (result.get(name) or {}).items():
            for one in (v if isinstance(v, list) else [v]):
                k2 = k.lower()
                out[k2] = f"{out[k2]},{one}" if k2 in out else str(one)
    return out


def from_v2(payload: bytes) -> Response | None:
    """Payload format 2.0: a dict with ``statusCode`` is a structured response; any other
    valid JSON is the body of a 200 with ``content-type: application/json``
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/
    http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response).
    None when the payload is not a valid response."""
    try:
        result = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(result, dict) or "statusCode" not in result:
        return Response(200, {"content-type": "application/json"}, payload)
    try:
        status = int(result["statusCode"])
        cookies = [str(c) for c in result.get("cookies") or []]
        return Response(status, _headers(result, "headers"), _body(result), cookies)
    except (TypeError, ValueError, AttributeError):
        return None


def from_v1(payload: bytes, alb: bool = False, multi_value: bool = False) -> Response | None:
    """REST API proxy (1.0) and ALB: the result must be an object with an integer
    ``statusCode``; None (the door answers 502) otherwise. An ALB in multi-value mode reads
    only ``multiValueHeaders`` (elasticloadbalancing/latest/application/lambda-functions.html)."""
    try:
        result = json.loads(payload)
        if not isinstance(result, dict) or "statusCode" not in result:
            return None
        status = int(result["statusCode"])
        if alb:
            names = ("multiValueHeaders",) if multi_value else ("headers",)
        else:
            names = ("headers", "multiValueHeaders")
        headers = _headers(result, *names)
        body = _body(result)
    except (TypeError, ValueError, AttributeError):
        return None
    cookies = []
    if "set-cookie" in headers:
        if alb and multi_value:
            cookies = [v for k, vs in result["multiValueHeaders"].items()
                       if k.lower() == "set-cookie" for v in vs]
        else:
            cookies = [headers["set-cookie"]]
        del headers["set-cookie"]
    resp = Response(status, headers, body, cookies)
    if alb and result.get("statusDescription"):
        # "200 OK" -> "OK": the description is the whole status line after the version
        resp.reason = str(result["statusDescription"]).partition(" ")[2]
    return resp


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


# What each door answers when the function cannot give it a response.
# API Gateway (L/services-apigateway-errors.html): "If the Lambda API rejects the invocation
# request, API Gateway returns a 500 error code. If the function runs but returns an error, or
# returns a response in the wrong format, API Gateway returns a 502", body
# {"message": "Internal server error"} (HTTP APIs capitalise "Server Error"). Throttles are
# rejected invocations, so 500. Integration timeouts: 504 (REST 29 s, HTTP API 30 s).
# Function URLs: 502 on function errors (L/urls-invocation.html); 429 on throttles is a lab
# choice. ALB: 502 for function errors and malformed responses (elasticloadbalancing/latest/
# application/lambda-functions.html); 503 on throttles is a lab choice.
FAILURES = {
    # door: (function error, throttle, integration timeout)
    "url": (_error(502, "Internal Server Error"), _error(429, "Rate Exceeded."), None),
    "http": (_error(502, "Internal Server Error"), _error(500, "Internal Server Error"),
             _error(504, "Endpoint request timed out")),
    "rest": (_error(502, "Internal server error"), _error(500, "Internal server error"),
             _error(504, "Endpoint request timed out")),
    "alb": (Response(502, {"content-type": "text/html"}, b"<html><body><h1>502 Bad Gateway"
                     b"</h1></body></html>"),
            Response(503, {"content-type": "text/html"}, b"<html><body><h1>503 Service "
                     b"Temporarily Unavailable</h1></body></html>"), None),
}


def failure(door: str, kind: str) -> Response:
    """A fresh copy of the door's answer for ``kind`` in error | throttle | timeout."""
    error, throttle, timeout = FAILURES[door]
    base = {"error": error, "throttle": throttle, "timeout": timeout or error}[kind]
    return Response(base.status, dict(base.headers), base.body)
