"""Kinesis Data Streams error codes (K/ = https://docs.aws.amazon.com/kinesis/latest/APIReference/
CommonErrors.html and each action's Errors section). Kinesis answers them all with HTTP 400."""
from __future__ import annotations

from ..errors import AWSError, _error

ResourceNotFoundException = _error("ResourceNotFoundException", 400)
ResourceInUseException = _error("ResourceInUseException", 400)
InvalidArgumentException = _error("InvalidArgumentException", 400)
LimitExceededException = _error("LimitExceededException", 400)
ExpiredIteratorException = _error("ExpiredIteratorException", 400)
ProvisionedThroughputExceededException = _error("ProvisionedThroughputExceededException", 400)
ValidationException = _error("ValidationException", 400)

__all__ = ["AWSError", "ResourceNotFoundException", "ResourceInUseException",
           "InvalidArgumentException", "LimitExceededException", "ExpiredIteratorException",
           "ProvisionedThroughputExceededException", "ValidationException"]
