"""HTTP front doors: the events handlers receive validate against aws-lambda-powertools'
parser models, and handler results become the HTTP responses each door sends.

Sources: function URLs L/urls-invocation.html (payload 2.0, 502 on function errors);
API Gateway errors L/services-apigateway-errors.html (rejected invoke 500, function error or
malformed response 502);
HTTP API payload 2.0 https://docs.aws.amazon.com/apigateway/latest/developerguide/
http-api-develop-integrations-lambda.html (any JSON without statusCode -> 200 application/json);
REST API proxy 1.0 .../set-up-lambda-proxy-integrations.html; ALB https://docs.aws.amazon.com/
elasticloadbalancing/latest/application/lambda-functions.html.
"""
from __future__ import annotations

import base64
import json

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import (AlbModel, APIGatewayProxyEventModel,
                                                           APIGatewayProxyEventV2Model,
                                                           LambdaFunctionUrlModel)
from botocore.exceptions import ClientError

from lambdalab import Lab
from lambdalab.errors import ResourceNotFoundException


@pytest.fixture
def lab():
    return Lab(seed=0)


def echo(event, context):
    """Returns the event it received, as a 2.0/1.0/ALB structured response."""
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps(event)}


def received(resp) -> dict:
    assert resp.status == 200, resp.body
    event = resp.json()
    assert event == resp.event
    return event


# --- event shapes ------------------------------------------------------------------------------
def test_function_url_event_is_powertools_valid(lab):
    fn = lab.function(echo)
    resp = lab.http.invoke_url(fn, "POST", "/orders/7", query="b=2&a=1&a=x%20y",
                               headers=[("X-Trace", "1"), ("x-trace", "2"),
                                        ("Cookie", "session=abc; theme=dark")],
                               body={"qty": 3}, source_ip="203.0.113.9")
    event = received(resp)
    model = LambdaFunctionUrlModel.model_validate(event)
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/orders/7" and event["rawQueryString"] == "b=2&a=1&a=x%20y"
    assert event["queryStringParameters"] == {"b": "2", "a": "1,x y"}
    assert event["headers"]["x-trace"] == "1,2"                  # lower-case, comma-joined
    assert all(k == k.lower() for k in event["headers"])
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["session=abc", "theme=dark"]
    ctx = event["requestContext"]
    assert ctx["stage"] == "$default" and ctx["routeKey"] == "$default"
    assert ctx["accountId"] == "anonymous"                       # AuthType NONE
    assert ctx["http"]["method"] == "POST" and ctx["http"]["sourceIp"] == "203.0.113.9"
    url = lab.http.get_url(fn)
    assert ctx["domainName"] == f"{ctx['apiId']}.lambda-url.us-east-1.on.aws"
    assert url.url == f"https://{ctx['domainName']}/"
    assert ctx["time"] == "01/Jan/2026:00:00:00 +0000" and ctx["timeEpoch"] == 1767225600000
    assert model.requestContext.timeEpoch.year == 2026
    assert json.loads(event["body"]) == {"qty": 3} and event["isBase64Encoded"] is False


def test_http_api_event_is_powertools_valid(lab):
    fn = lab.function(echo)
    event = received(lab.http.api_gateway(fn, "GET", "/items/42", route_key="GET /items/{id}",
                                          stage="dev", path_parameters={"id": "42"},
                                          stage_variables={"table": "items"}))
    APIGatewayProxyEventV2Model.model_validate(event)
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "GET /items/{id}"
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["accountId"] == "123456789012"
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] == {"table": "items"}
    assert "queryStringParameters" not in event and "cookies" not in event
    assert "body" not in event


def test_rest_api_event_is_powertools_valid_with_multi_values(lab):
    fn = lab.function(echo)
    event = received(lab.http.api_gateway(
        fn, "PUT", "/a/b", version="1.0", query={"tag": ["x", "y"], "q": "1"},
        headers=[("Accept", "text/plain"), ("Accept", "text/html")], body="hi",
        cookies={"s": "1"}))
    APIGatewayProxyEventModel.model_validate(event)
    assert event["resource"] == "/{proxy+}" and event["pathParameters"] == {"proxy": "a/b"}
    assert event["httpMethod"] == "PUT" and event["path"] == "/a/b"
    assert event["multiValueHeaders"]["Accept"] == ["text/plain", "text/html"]
    assert event["headers"]["Accept"] == "text/html"             # the last value
    assert event["headers"]["Cookie"] == "s=1"
    assert event["queryStringParameters"] == {"tag": "y", "q": "1"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["x", "y"], "q": ["1"]}
    assert event["requestContext"]["path"] == "/prod/a/b"
    assert event["requestContext"]["requestTimeEpoch"] == 1767225600000
    assert event["body"] == "hi" and event["isBase64Encoded"] is False
    empty = received(lab.http.api_gateway(fn, version="1.0"))
    APIGatewayProxyEventModel.model_validate(empty)
    assert empty["queryStringParameters"] is None and empty["body"] is None


def test_alb_event_single_and_multi_value(lab):
    fn = lab.function(echo)
    event = received(lab.http.alb(fn, "GET", "/lb", query="a=1&a=%20two",
                                  headers={"X-Custom": "v"}))
    AlbModel.model_validate(event)
    assert event["requestContext"]["elb"]["targetGroupArn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/echo/")
    assert event["queryStringParameters"] == {"a": "%20two"}     # last value, not decoded
    assert event["headers"]["x-custom"] == "v" and event["body"] == ""
    multi = lab.http.alb(fn, "GET", "/lb", query="a=1&a=2", headers=[("X-A", "1"), ("x-a", "2")],
                         multi_value=True)
    # multi-value mode: the response must use multiValueHeaders, so echo's `headers` are ignored
    event = json.loads(multi.body)
    assert "headers" not in event and "queryStringParameters" not in event
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["multiValueHeaders"]["x-a"] == ["1", "2"]
    assert "content-type" not in multi.headers


def test_binary_bodies_are_base64(lab):
    fn = lab.function(echo)
    raw = bytes(range(256))
    for call in (lambda **kw: lab.http.invoke_url(fn, "POST", **kw),
                 lambda **kw: lab.http.api_gateway(fn, "POST", version="1.0", **kw),
                 lambda **kw: lab.http.alb(fn, "POST", **kw)):
        event = received(call(body=raw, headers={"Content-Type": "application/octet-stream"}))
        assert event["isBase64Encoded"] is True
        assert base64.b64decode(event["body"]) == raw
    text = received(lab.http.invoke_url(fn, "POST", body="plain",
                                        headers={"content-type": "text/plain"}))
    assert text["isBase64Encoded"] is False and text["body"] == "plain"


def test_ids_are_seeded_and_time_follows_the_lab_clock():
    def run():
        lab = Lab(seed=3)
        fn = lab.function(echo)
        first = lab.http.invoke_url(fn).event
        lab.run("1h")
        return first, lab.http.invoke_url(fn).event
    (a1, a2), (b1, b2) = run(), run()
    assert a1 == b1 and a2 == b2
    assert a1["requestContext"]["requestId"] != a2["requestContext"]["requestId"]
    assert a2["requestContext"]["timeEpoch"] - a1["requestContext"]["timeEpoch"] >= 3_600_000


# --- response translation -----------------------------------------------------------------------
def test_v2_structured_response_with_cookies_and_base64(lab):
    def handler(event, context):
        return {"statusCode": 201, "headers": {"X-Id": "7"}, "cookies": ["a=1", "b=2; Path=/"],
                "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}
    fn = lab.function(handler)
    for resp in (lab.http.invoke_url(fn), lab.http.api_gateway(fn)):
        assert resp.status == 201 and resp.reason == "Created"
        assert resp.headers == {"x-id": "7"}
        assert resp.cookies == ["a=1", "b=2; Path=/"]
        assert resp.body == b"\x00\x01"


@pytest.mark.parametrize("value", [{"hello": "world"}, "text", 42, [1, 2], None])
def test_v2_any_json_without_status_code_is_a_200_json_body(lab, value):
    fn = lab.function(lambda event, context: value, name="plain")
    for resp in (lab.http.invoke_url(fn), lab.http.api_gateway(fn)):
        assert resp.status == 200
        assert resp.headers["content-type"] == "application/json"
        assert resp.json() == value


def test_v1_and_alb_need_a_status_code(lab):
    fn = lab.function(lambda event, context: {"body": "no status"}, name="nostatus")
    assert lab.http.api_gateway(fn, version="1.0").status == 502
    assert lab.http.api_gateway(fn, version="1.0").json() == {"message": "Internal server error"}
    assert lab.http.alb(fn).status == 502
    ok = lab.function(lambda event, context: {
        "statusCode": 404, "statusDescription": "404 Not Found",
        "headers": {"Set-Cookie": "x=1"}, "multiValueHeaders": {"X-M": ["a", "b"]},
        "body": "gone"}, name="ok")
    rest = lab.http.api_gateway(ok, version="1.0")
    assert rest.status == 404 and rest.headers["x-m"] == "a,b" and rest.cookies == ["x=1"]
    alb = lab.http.alb(ok)
    assert alb.status == 404 and alb.reason == "Not Found" and alb.text == "gone"
    assert "x-m" not in alb.headers                 # single-value mode reads `headers` only


def test_function_errors_become_5xx(lab):
    def boom(event, context):
        raise ValueError("nope")
    fn = lab.function(boom)
    url = lab.http.invoke_url(fn)
    assert url.status == 502 and url.json() == {"message": "Internal Server Error"}
    http = lab.http.api_gateway(fn)
    assert http.status == 502 and http.json() == {"message": "Internal Server Error"}
    assert lab.http.api_gateway(fn, version="1.0").status == 502
    assert lab.http.alb(fn).status == 502
    assert url.attempt.outcome == "error"
    bad = lab.function(lambda event, context: {"statusCode": "abc"}, name="bad")
    assert lab.http.invoke_url(bad).status == 502


def test_throttles_and_timeouts(lab):
    fn = lab.function(echo, reserved_concurrency=0)
    assert lab.http.invoke_url(fn).status == 429
    # L/services-apigateway-errors.html: a rejected invocation is a 500 from API Gateway
    assert lab.http.api_gateway(fn).status == 500
    rest = lab.http.api_gateway(fn, version="1.0")
    assert rest.status == 500 and rest.json() == {"message": "Internal server error"}
    assert lab.http.alb(fn).status == 503
    slow = lab.function(echo, name="slow", timeout=60, duration="35s")
    assert lab.http.api_gateway(slow, version="1.0").status == 504   # REST: 29 s
    assert lab.http.api_gateway(slow).status == 504                  # HTTP API: 30 s
    assert lab.http.invoke_url(slow).status == 200                   # URLs wait for Lambda
    timed_out = lab.function(echo, name="short", timeout=3, duration="5s")
    assert lab.http.api_gateway(timed_out, version="1.0").status == 502
    assert lab.http.invoke_url(timed_out).status == 502


def test_request_from_inside_a_handler_waits_on_the_callers_clock(lab):
    inner = lab.function(echo, name="inner", duration="200ms")

    def outer(event, context):
        return {"statusCode": lab.http.invoke_url(inner).status}
    fn = lab.function(outer, duration="10ms")
    resp = lab.http.api_gateway(fn)
    assert resp.status == 200
    assert resp.attempt.duration >= 0.2


# --- function URLs through the boto3 door ----------------------------------------------------------
def test_function_url_config_operations(lab):
    lab.function(echo)
    with lab.aws():
        client = boto3.client("lambda")
        created = client.create_function_url_config(FunctionName="echo", AuthType="AWS_IAM")
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
        assert created["AuthType"] == "AWS_IAM"
        assert created["FunctionUrl"].startswith("https://")
        assert created["FunctionUrl"].endswith(".lambda-url.us-east-1.on.aws/")
        url_id = created["FunctionUrl"][len("https://"):].split(".")[0]
        assert len(url_id) == 32 and url_id.isalnum() and url_id == url_id.lower()
        with pytest.raises(ClientError) as e:
            client.create_function_url_config(FunctionName="echo", AuthType="NONE")
        assert e.value.response["Error"]["Code"] == "ResourceConflictException"
        got = client.get_function_url_config(FunctionName="echo")
        assert got["FunctionUrl"] == created["FunctionUrl"] and got["InvokeMode"] == "BUFFERED"
        updated = client.update_function_url_config(FunctionName="echo", AuthType="NONE")
        assert updated["AuthType"] == "NONE"
        listed = client.list_function_url_configs(FunctionName="echo")["FunctionUrlConfigs"]
        assert [c["FunctionUrl"] for c in listed] == [created["FunctionUrl"]]
        with pytest.raises(ClientError) as e:
            client.create_function_url_config(FunctionName="echo2", AuthType="NONE")
        assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
        with pytest.raises(ClientError) as e:
            client.update_function_url_config(FunctionName="echo", AuthType="BASIC")
        assert e.value.response["Error"]["Code"] == "ValidationException"
        client.delete_function_url_config(FunctionName="echo")
        with pytest.raises(ClientError) as e:
            client.get_function_url_config(FunctionName="echo")
        assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert client.list_function_url_configs(FunctionName="echo")["FunctionUrlConfigs"] == []


def test_url_ids_are_seeded_and_iam_is_recorded_not_enforced():
    urls = []
    for _ in range(2):
        lab = Lab(seed=5)
        fn = lab.function(echo)
        urls.append(lab.http.create_url(fn, auth_type="AWS_IAM").url)
        event = lab.http.invoke_url(fn).event          # unsigned, still let through
        assert event["requestContext"]["accountId"] == "123456789012"
    assert urls[0] == urls[1]


# --- a real local server ----------------------------------------------------------------------------
def test_serve_forwards_loopback_requests_into_the_lab(lab):
    import urllib.error
    import urllib.request

    def app(event, context):
        return {"statusCode": 201, "headers": {"X-Path": event["rawPath"]},
                "cookies": ["seen=1"],
                "body": json.dumps({"method": event["requestContext"]["http"]["method"],
                                    "query": event.get("queryStringParameters"),
                                    "body": event.get("body"),
                                    "ip": event["requestContext"]["http"]["sourceIp"]})}
    fn = lab.function(app)
    with lab.http.serve(fn) as server:
        assert server.url.startswith("http://127.0.0.1:")
        req = urllib.request.Request(server.url + "orders?id=7", data=b'{"a": 1}',
                                     headers={"Content-Type": "application/json"},
                                     method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 201
            assert resp.headers["X-Path"] == "/orders"
            assert resp.headers["Set-Cookie"] == "seen=1"
            assert json.loads(resp.read()) == {"method": "POST", "query": {"id": "7"},
                                               "body": '{"a": 1}', "ip": "127.0.0.1"}
    assert [a.function for a in lab.awslambda.attempts] == ["app"]
    assert lab.clock.t > 0                       # the lab call ran on the lab clock

    boom = lab.function(lambda event, context: 1 / 0, name="boom")
    with lab.http.serve(boom, door="rest") as server:
        try:
            urllib.request.urlopen(server.url, timeout=10)
            raise AssertionError("expected a 502")
        except urllib.error.HTTPError as exc:
            assert exc.code == 502
            assert json.loads(exc.read()) == {"message": "Internal server error"}


def test_deleting_a_function_deletes_its_url(lab):
    fn = lab.function(echo)
    first = lab.http.create_url(fn).url
    lab.awslambda.delete_function("echo")
    again = lab.function(echo)
    with pytest.raises(ResourceNotFoundException):
        lab.http.get_url(again)
    assert lab.http.create_url(again).url != first
