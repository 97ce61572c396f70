"""The real AWS CLI (awscli v1), run in-process against the lab: ``lambdalab.cli.aws`` and ``%aws``."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap

import boto3
import botocore.client
import pytest

from lambdalab import Lab, LabError, make_zip
from lambdalab import door
from lambdalab.cli import CliResult, aws, split_commands

NOTES = "source-notes/serverless-eda-notes.zh.md"
FUNCTION = "my-lambda-function"           # the function the notes' add-permission command names
ARN = f"arn:aws:lambda:us-west-2:123456789012:function:{FUNCTION}"
ECHO = make_zip({"lambda_function.py": (
    "def lambda_handler(event, context):\n"
    "    print('got', event)\n"
    "    return {'echo': event, 'function': context.function_name}\n")})


@pytest.fixture
def lab():
    # The notes' ARNs are in us-west-2.
    lab = Lab(seed=0, region="us-west-2")
    lab.awslambda.create_function(FUNCTION, code=ECHO, handler_name="lambda_function.lambda_handler")
    return lab


def pretty(body) -> str:
    """What the CLI prints for a response with ``--output json`` (its default here)."""
    return json.dumps(body, indent=4, ensure_ascii=False) + "\n"


def notes_command(shared_dir, start: str) -> str:
    """The fenced ``bash`` block of the source notes that starts with ``start``, verbatim."""
    path = shared_dir / NOTES
    if not path.is_file():
        pytest.skip(f"source notes not available: {path} (they live outside the repository)")
    text = path.read_text(encoding="utf-8")
    for indent, body in re.findall(r"^([ \t]*)```bash\n(.*?)^\1```", text, re.S | re.M):
        block = textwrap.dedent(body)
        if block.startswith(start):
            return block
    raise AssertionError(f"no bash block starting with {start!r} in {path}")


# --- the source notes' commands ------------------------------------------------------------------
def test_add_permission_from_the_notes_runs_verbatim(lab, shared_dir):
    command = notes_command(shared_dir, "aws lambda add-permission")
    assert "\\\n" in command                      # a multi-line command, continuations and all
    result = aws(command, lab=lab)
    statement = {
        "Sid": "MyEventBridgeRule", "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": ARN,
        "Condition": {"ArnLike": {"AWS:SourceArn":
                                  "arn:aws:events:us-west-2:123456789012:rule/MyLambdaTriggerRule"}}}
    assert result == CliResult(result.args, 0, pretty({"Statement": json.dumps(statement)}), "")
    assert result.args[:2] == ("lambda", "add-permission")
    assert lab.awslambda.get_policy(FUNCTION)["Statement"] == [statement]


def test_create_event_source_mapping_from_the_notes_runs_verbatim(shared_dir):
    command = notes_command(shared_dir, "aws lambda create-event-source-mapping")
    lab = Lab(seed=0, region="us-west-2")      # the notes' queue ARN is in us-west-2
    lab.function(lambda event, context: None, name="my-function")
    queue = lab.sqs.create_queue("my-queue")
    result = aws(command, lab=lab)
    assert result.exit_code == 0, result.stderr
    answer = result.json()
    assert (answer["BatchSize"], answer["EventSourceArn"]) == (5, queue.arn)
    assert answer["FunctionArn"] == "arn:aws:lambda:us-west-2:123456789012:function:my-function"
    # the mapping really delivers: a message sent to the queue is processed and deleted
    queue.send("hello")
    lab.run("1m")
    assert queue.stats()["deleted"] == 1


def test_invoke_writes_the_payload_file(lab, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = aws(f"aws lambda invoke --function-name {FUNCTION} --payload '{{\"a\": 1}}' out.json",
                 lab=lab)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == '{\n    "StatusCode": 200,\n    "ExecutedVersion": "$LATEST"\n}\n'
    assert json.loads((tmp_path / "out.json").read_text()) == {
        "echo": {"a": 1}, "function": FUNCTION}


def test_list_functions_and_get_function_print_what_boto3_returns(lab):
    with lab.aws():
        client = boto3.client("lambda")
        listed = client.list_functions()
        got = client.get_function(FunctionName=FUNCTION)
        for response in (listed, got):
            del response["ResponseMetadata"]
        listing = aws("lambda list-functions")
        function = aws(["aws", "lambda", "get-function", "--function-name", FUNCTION])
    assert listing == CliResult(("lambda", "list-functions"), 0, pretty(listed), "")
    assert function.stdout == pretty(got)
    assert function.json()["Configuration"]["FunctionArn"] == ARN
    assert function.json()["Configuration"]["Handler"] == "lambda_function.lambda_handler"


def test_output_and_query_options_work(lab):
    result = aws(f"lambda get-function --function-name {FUNCTION} --output text "
                 "--query Configuration.[FunctionName,MemorySize]", lab=lab)
    assert result.stdout == f"{FUNCTION}\t128\n"
    table = aws("lambda list-functions --output table --query Functions[].FunctionName", lab=lab)
    assert table.exit_code == 0 and f"|  {FUNCTION}  |" in table.stdout


def test_an_aws_error_is_exit_code_255_and_its_message_on_stderr(lab):
    result = aws("aws lambda get-function --function-name nope", lab=lab)
    assert result == CliResult(
        ("lambda", "get-function", "--function-name", "nope"), 255, "",
        "\nAn error occurred (ResourceNotFoundException) when calling the GetFunction operation: "
        "Function not found: arn:aws:lambda:us-west-2:123456789012:function:nope\n")
    assert not result.ok and result.json() is None


def test_a_usage_error_is_exit_code_2_named_after_aws(lab):
    result = aws("lambda get-function", lab=lab)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.endswith(
        "aws: error: the following arguments are required: --function-name\n")


def test_s3_commands_are_served_by_moto(lab):
    created = aws("s3api create-bucket --bucket lab-bucket "
                  "--create-bucket-configuration LocationConstraint=us-west-2", lab=lab)
    assert created == CliResult(created.args, 0, '{\n    "Location": "/lab-bucket"\n}\n', "")
    # The bucket was created at the lab's virtual time; ``s3 ls`` prints it in UTC.
    assert aws("s3 ls", lab=lab) == CliResult(("s3", "ls"), 0, "2026-01-01 00:00:00 lab-bucket\n", "")
    with lab.aws():    # the same moto account as boto3's
        assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == ["lab-bucket"]


def test_the_output_is_deterministic():
    def session():
        lab = Lab(seed=7, region="us-west-2")
        lab.awslambda.create_function(FUNCTION, code=ECHO,
                                      handler_name="lambda_function.lambda_handler")
        return [aws(command, lab=lab) for command in (
            "lambda list-functions", f"lambda get-function --function-name {FUNCTION}",
            "lambda get-function --function-name nope", "s3api create-bucket --bucket b-1 "
            "--create-bucket-configuration LocationConstraint=us-west-2", "s3 ls")]
    assert session() == session()


# --- which lab, which door ------------------------------------------------------------------------
def test_without_a_door_or_a_lab_it_says_what_to_do():
    assert not door._active
    with pytest.raises(LabError, match="No lab door is open"):
        aws("lambda list-functions")


def test_it_opens_the_labs_door_for_the_call_and_closes_it(lab, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "table")     # a learner's shell setting
    monkeypatch.delenv("TZ", raising=False)
    before = botocore.client.ClientCreator.create_client
    assert aws("lambda list-functions --query Functions[].FunctionName", lab=lab).stdout == (
        f'[\n    "{FUNCTION}"\n]\n')                        # json inside the door
    assert not door._active
    assert botocore.client.ClientCreator.create_client is before
    assert "TZ" not in os.environ
    assert os.environ["AWS_DEFAULT_OUTPUT"] == "table"


def test_inside_an_open_door_it_uses_that_lab_and_its_moto_data(lab):
    other = Lab(seed=0)
    with lab.aws():
        boto3.client("s3").create_bucket(
            Bucket="made-by-boto3", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        assert aws("s3 ls").stdout == "2026-01-01 00:00:00 made-by-boto3\n"
        assert aws("lambda list-functions").json()["Functions"][0]["FunctionName"] == FUNCTION
        # Another lab's command opens that lab's door for the call.
        assert aws("lambda list-functions", lab=other).json() == {"Functions": []}
        assert len(door._active) == 1


def test_leaving_the_door_restores_both_botocore_packages(lab):
    import awscli.botocore.client   # the copy awscli vendors (the CLI itself uses ``botocore``)
    assert awscli.botocore.client.ClientCreator is not botocore.client.ClientCreator
    originals = [creator.__dict__["create_client"] for creator in
                 (botocore.client.ClientCreator, awscli.botocore.client.ClientCreator)]
    with lab.aws():
        patched = [creator.__dict__["create_client"] for creator in
                   (botocore.client.ClientCreator, awscli.botocore.client.ClientCreator)]
        assert all(now is not original for now, original in zip(patched, originals))
        assert aws("lambda list-functions").ok
    assert aws("lambda list-functions", lab=lab).ok     # a door of its own, opened and closed
    assert [creator.__dict__["create_client"] for creator in
            (botocore.client.ClientCreator, awscli.botocore.client.ClientCreator)] == originals


def test_nothing_leaves_the_machine(lab, tmp_path, monkeypatch):
    # The session-wide guard (conftest.py) refuses non-loopback connections...
    with pytest.raises(RuntimeError, match="must not use the network"):
        socket.create_connection(("203.0.113.1", 443), timeout=0.01)
    # ...and the CLI does not even try one, loopback included.
    attempts = []
    guarded = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect",
                        lambda self, address: attempts.append(address) or guarded(self, address))
    monkeypatch.chdir(tmp_path)
    for command in ("lambda list-functions", f"lambda invoke --function-name {FUNCTION} out.json",
                    "lambda get-function --function-name nope",
                    "s3api create-bucket --bucket net-check "
                    "--create-bucket-configuration LocationConstraint=us-west-2", "s3 ls",
                    "dynamodb list-tables"):
        aws(command, lab=lab)
    assert attempts == []


def test_awscli_imported_before_botocore_is_served_too(tmp_path):
    # Importing awscli first makes ``import botocore`` load awscli's vendored copy; the door
    # patches whichever botocore is loaded. A fresh process, with its own network guard.
    script = textwrap.dedent("""
        import socket
        def refuse(self, address):
            raise RuntimeError(f"network: {address!r}")
        socket.socket.connect = refuse
        import awscli, botocore
        assert "awscli" in botocore.__file__, botocore.__file__
        from lambdalab import Lab, make_zip
        from lambdalab.cli import aws
        lab = Lab(seed=0)
        lab.awslambda.create_function("f", lambda event, context: event)
        result = aws("lambda list-functions --query Functions[].FunctionArn --output text", lab=lab)
        print(result.stdout, end="")
        print(aws("s3 ls", lab=lab).exit_code)
    """)
    env = {"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "arn:aws:lambda:us-east-1:123456789012:function:f\n0\n"


# --- parsing commands ----------------------------------------------------------------------------
def test_split_commands_reads_commands_as_a_shell_does():
    text = textwrap.dedent("""\
        aws lambda add-permission \\
          --function-name f \\
          --action "lambda:InvokeFunction"
        # a comment
        lambda invoke --function-name f --payload '{
          "multi": "line"
        }' out.json

        aws s3 ls  # trailing comment
        """)
    assert split_commands(text) == [
        ["lambda", "add-permission", "--function-name", "f", "--action", "lambda:InvokeFunction"],
        ["lambda", "invoke", "--function-name", "f", "--payload",
         '{\n  "multi": "line"\n}', "out.json"],
        ["s3", "ls"]]
    with pytest.raises(ValueError, match="closing quotation"):
        split_commands("lambda invoke --payload '{")
    with pytest.raises(ValueError, match="one command"):
        aws("s3 ls\ns3 ls", lab=Lab(seed=0))


# --- the notebook magic --------------------------------------------------------------------------
@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "lambdalab")
    yield shell
    InteractiveShell.clear_instance()


def test_the_aws_magics_print_what_the_cli_prints(lab, shell, shared_dir, capsys):
    shell.user_ns["lab"] = lab              # no door open: the notebook's ``lab``
    shell.run_line_magic("aws", f"lambda get-function --function-name {FUNCTION} "
                                "--query Configuration.Version --output text")
    assert capsys.readouterr() == ("$LATEST\n", "")
    shell.run_cell("%aws lambda get-function-configuration --function-name "
                   f"{FUNCTION} --qualifier $LATEST --query Version")   # no $-expansion
    assert capsys.readouterr() == ('"$LATEST"\n', "")

    command = notes_command(shared_dir, "aws lambda add-permission")
    shell.run_cell_magic("aws", "", command + "lambda get-function --function-name nope\n"
                                              "lambda list-functions\n")
    out, err = capsys.readouterr()
    assert json.loads(out)["Statement"].startswith('{"Sid": "MyEventBridgeRule"')
    # the failing command prints its error, no traceback, and the cell stops there
    assert err == ("\nAn error occurred (ResourceNotFoundException) when calling the GetFunction "
                   f"operation: Function not found: {ARN[:-len(FUNCTION)]}nope\n")


def test_the_magic_reports_problems_without_a_traceback(shell, capsys):
    shell.run_line_magic("aws", "lambda list-functions")
    assert capsys.readouterr() == ("", "%aws: no lab to talk to: open a lab's door (`with "
                                       "lab.aws():` or `lab.aws().start()`) or name the lab `lab`.\n")
    shell.user_ns["lab"] = Lab(seed=0)
    shell.run_line_magic("aws", "lambda invoke --payload '{")
    assert capsys.readouterr() == ("", "%aws: No closing quotation\n")


# --- what a notebook cannot use ------------------------------------------------------------------
def test_endpoint_url_is_refused_so_nothing_can_leave(lab):
    for option in ("--endpoint-url", "--endpoint-url=http://203.0.113.1", "--endp"):
        args = ["s3", "ls", option] + ([] if "=" in option else ["http://203.0.113.1"])
        assert aws(args, lab=lab) == CliResult(tuple(args), 255, "", (
            "\nlambdalab: --endpoint-url is not available here: the lab and moto answer every "
            "call in this process.\n"))


def test_help_is_printed_as_text_not_paged(lab):
    result = aws("lambda get-function help", lab=lab)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("\nget-function\n^^^^^^^^^^^^\n")
    assert '"--function-name" (string)' in result.stdout
