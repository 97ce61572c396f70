"""SNS error codes, as botocore's SNS model names them (``Error.Code`` on the wire).

botocore maps ``InvalidParameter`` to ``client.exceptions.InvalidParameterException``,
``NotFound`` to ``NotFoundException`` and so on.
"""
from __future__ import annotations

from ..errors import _error

NotFound = _error("NotFound", 404)
InvalidParameter = _error("InvalidParameter", 400)
ParameterValueInvalid = _error("ParameterValueInvalid", 400)
ResourceNotFound = _error("ResourceNotFound", 404)
AuthorizationError = _error("AuthorizationError", 403)
TagLimitExceeded = _error("TagLimitExceeded", 400)
EmptyBatchRequest = _error("EmptyBatchRequest", 400)
TooManyEntriesInBatchRequest = _error("TooManyEntriesInBatchRequest", 400)
BatchEntryIdsNotDistinct = _error("BatchEntryIdsNotDistinct", 400)
InvalidBatchEntryId = _error("InvalidBatchEntryId", 400)
BatchRequestTooLong = _error("BatchRequestTooLong", 400)

__all__ = ["NotFound", "InvalidParameter", "ParameterValueInvalid", "ResourceNotFound",
           "AuthorizationError", "TagLimitExceeded", "EmptyBatchRequest",
           "TooManyEntriesInBatchRequest", "BatchEntryIdsNotDistinct", "InvalidBatchEntryId",
           "BatchRequestTooLong"]
