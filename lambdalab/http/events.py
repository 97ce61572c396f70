"""The Lambda events the HTTP front doors send, built from one :class:`Request`.

Shapes (checked against aws-lambda-powertools' parser models in tests/test_http_events.py):

* function URL and API Gateway HTTP API: payload format 2.0
  (L/urls-invocation.html, https://docs.aws.amazon.com/apigateway/latest/developerguide/
  http-api-develop-integrations-lambda.html);
* API Gateway REST API, Lambda proxy integration: payload format 1.0
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/
  set-up-lambda-proxy-integrations.html);
* Application Load Balancer (https://docs.aws.amazon.com/elasticloadbalancing/latest/
  application/lambda-functions.html), single- or multi-value headers mode.
"""
from __future__ import annotations

from .request import Request

USER_AGENT = "lambdalab"


def _clf_time(lab) -> str:
    """``12/Mar/2020:19:03:58 +0000``: the time format of requestContext.time/requestTime."""
    return lab.now.strftime("%d/%b/%Y:%H:%M:%S +0000")


def _epoch_ms(lab) -> int:
    return int(round(lab.now.timestamp() * 1000))


def _forwarded(req: Request, host: str) -> list:
    """What the front door adds to the client's headers (names as API Gateway sends them)."""
    have = {k.lower() for k, _ in req.headers}
    extra = [("Host", host)] if "host" not in have else []
    if "user-agent" not in have:
        extra.append(("User-Agent", USER_AGENT))
    extra += [("X-Forwarded-For", req.source_ip), ("X-Forwarded-Port", "443"),
              ("X-Forwarded-Proto", "https")]
    return list(req.headers) + extra


def _joined(pairs, lower=True) -> dict:
    """Repeated names joined with commas (2.0 headers and query strings)."""
    out: dict = {}
    for k, v in pairs:
        k = k.lower() if lower else k
        out[k] = f"{out[k]},{v}" if k in out else v
    return out


def _last(pairs, lower=False) -> dict:
    out = {}
    for k, v in pairs:
        out[k.lower() if lower else k] = v
    return out


def _multi(pairs, lower=False) -> dict:
    out: dict = {}
    for k, v in pairs:
        out.setdefault(k.lower() if lower else k, []).append(v)
    return out


def v2_event(lab, req: Request, *, api_id: str, domain: str, route_key: str = "$default",
             stage: str = "$default", path_parameters=None, stage_variables=None,
             request_id: str | None = None, account: str | None = None) -> dict:
    """Payload format 2.0 (function URLs always use routeKey and stage ``$default``).

    ``account``: requestContext.accountId; a function URL with AuthType NONE sends
    ``"anonymous"`` (L/urls-invocation.html)."""
    headers = _joined(_forwarded(req, domain))
    body, b64 = req.body_field()
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": req.path,
        "rawQueryString": req.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": account or lab.account,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {"method": req.method, "path": req.path, "protocol": "HTTP/1.1",
                     "sourceIp": req.source_ip,
                     "userAgent": headers.get("user-agent", USER_AGENT)},
            "requestId": request_id or lab.ids.uuid("http"),
            "routeKey": route_key,
            "stage": stage,
            "time": _clf_time(lab),
            "timeEpoch": _epoch_ms(lab),
        },
        "isBase64Encoded": b64,
    }
    if req.cookies:
        event["cookies"] = list(req.cookies)
    pairs = req.query_pairs()
    if pairs:
        event["queryStringParameters"] = _joined(pairs, lower=False)
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    if body is not None:
        event["body"] = body
    # keep the documented key order: cookies/headers/query before requestContext
    order = ["version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
             "queryStringParameters", "pathParameters", "stageVariables", "requestContext",
             "body", "isBase64Encoded"]
    return {k: event[k] for k in order if k in event}


def v1_event(lab, req: Request, *, api_id: str, domain: str, stage: str = "prod",
             resource: str = "/{proxy+}", path_parameters=None, stage_variables=None,
             request_id: str | None = None) -> dict:
    """API Gateway REST API proxy integration (payload format 1.0)."""
    pairs = _forwarded(req, domain)
    if req.cookies:
        pairs.append(("Cookie", "; ".join(req.cookies)))
    query = req.query_pairs()
    if path_parameters is None and resource == "/{proxy+}":
        path_parameters = {"proxy": req.path.lstrip("/")}
    body, b64 = req.body_field()
    headers = _last(pairs)
    return {
        "resource": resource,
        "path": req.path,
        "httpMethod": req.method,
        "headers": headers,
        "multiValueHeaders": _multi(pairs),
        "queryStringParameters": _last(query) or None,
        "multiValueQueryStringParameters": _multi(query) or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": {
            "accountId": lab.account,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "extendedRequestId": lab.ids.hex(16, "http"),
            "httpMethod": req.method,
            "identity": {"sourceIp": req.source_ip,
                         "userAgent": _last(pairs, lower=True).get("user-agent", USER_AGENT)},
            "path": f"/{stage}{req.path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id or lab.ids.uuid("http"),
            "requestTime": _clf_time(lab),
            "requestTimeEpoch": _epoch_ms(lab),
            "resourceId": lab.ids.hex(6, "http"),
            "resourcePath": resource,
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": b64,
    }


def alb_event(lab, req: Request, *, target_group_arn: str, multi_value: bool = False) -> dict:
    """What an ALB sends a Lambda target. Header names are lower-case; query values are passed
    as the client sent them (ALB does not URL-decode them). Single-value mode keeps the last
    value of a repeated header or parameter; multi-value mode sends ``multiValueHeaders`` and
    ``multiValueQueryStringParameters`` instead (elasticloadbalancing/.../lambda-functions.html)."""
    pairs = [(k.lower(), v) for k, v in req.headers]
    have = {k for k, _ in pairs}
    if "host" not in have:
        pairs.insert(0, ("host", "lambdalab-alb.elb.amazonaws.com"))
    if "user-agent" not in have:
        pairs.append(("user-agent", USER_AGENT))
    if req.cookies:
        pairs.append(("cookie", "; ".join(req.cookies)))
    pairs += [("x-forwarded-for", req.source_ip), ("x-forwarded-port", "443"),
              ("x-forwarded-proto", "https")]
    raw = [tuple(p.split("=", 1)) if "=" in p else (p, "")
           for p in req.raw_query.split("&") if p]
    body, b64 = req.body_field()
    event = {"requestContext": {"elb": {"targetGroupArn": target_group_arn}},
             "httpMethod": req.method, "path": req.path}
    if multi_value:
        event["multiValueQueryStringParameters"] = _multi(raw)
        event["multiValueHeaders"] = _multi(pairs)
    else:
        event["queryStringParameters"] = _last(raw)
        event["headers"] = _last(pairs)
    event["body"] = body if body is not None else ""
    event["isBase64Encoded"] = b64
    return event
