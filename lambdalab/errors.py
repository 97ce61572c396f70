"""AWS errors: one exception class per AWS error code, with its HTTP status.

The boto3 door turns these into botocore ``ClientError``s with the same code, so Python API
users and boto3 users see the same error names.
"""
from __future__ import annotations


class AWSError(Exception):
    """An error AWS would return: ``code`` (the AWS error code), ``message``, ``status``."""

    code = "ServiceException"
    status = 500

    def __init__(self, message: str, **fields):
        super().__init__(f"{self.code}: {message}")
        self.message = message
        self.fields = fields  # extra members of the error body (e.g. Reason)


def _error(code: str, status: int) -> type[AWSError]:
    return type(code, (AWSError,), {"code": code, "status": status, "__module__": __name__})


ResourceNotFoundException = _error("ResourceNotFoundException", 404)
ResourceConflictException = _error("ResourceConflictException", 409)
InvalidParameterValueException = _error("InvalidParameterValueException", 400)
InvalidRequestContentException = _error("InvalidRequestContentException", 400)
ValidationException = _error("ValidationException", 400)
RequestEntityTooLargeException = _error("RequestEntityTooLargeException", 413)
ProvisionedConcurrencyConfigNotFoundException = _error(
    "ProvisionedConcurrencyConfigNotFoundException", 404)
PreconditionFailedException = _error("PreconditionFailedException", 412)
InvalidEventPatternException = _error("InvalidEventPatternException", 400)  # EventBridge
InvalidParameterException = _error("InvalidParameterException", 400)  # SNS
LimitExceededException = _error("LimitExceededException", 400)  # EventBridge
ResourceAlreadyExistsException = _error("ResourceAlreadyExistsException", 400)  # EventBridge
InvalidParameterCombination = _error("InvalidParameterCombination", 400)  # CloudWatch
InvalidNextToken = _error("InvalidNextToken", 400)  # CloudWatch
ResourceNotFound = _error("ResourceNotFound", 404)  # CloudWatch (alarms)


class TooManyRequestsException(AWSError):
    """429: a throttle. ``reason`` is one of AWS's ThrottleReason values."""

    code = "TooManyRequestsException"
    status = 429

    def __init__(self, message: str, reason: str, retry_after: float | None = None):
        fields = {"Reason": reason, "Type": "User"}
        if retry_after is not None:
            fields["retryAfterSeconds"] = str(int(retry_after))
        super().__init__(message, **fields)
        self.reason = reason


class LabError(Exception):
    """A misuse of the lab itself (not something AWS would answer), with what to change."""
