"""Deterministic identifiers and ARNs, drawn from the lab's seeded random generator."""
from __future__ import annotations

import random
import uuid


class Ids:
    """Seeded ID streams. Invocation request IDs and API request IDs have streams of their own,
    so creating or reconfiguring a resource does not shift the request IDs printed later."""

    def __init__(self, seed: int):
        self._rng = random.Random(f"lambdalab-ids-{seed}")
        self._requests = random.Random(f"lambdalab-requests-{seed}")
        self._api = random.Random(f"lambdalab-api-{seed}")

    def uuid(self) -> str:
        """A version-4 UUID string for a resource (revision IDs, message IDs, ...)."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def request_id(self) -> str:
        """The request ID of one invocation (what handlers see as ``aws_request_id``)."""
        return str(uuid.UUID(int=self._requests.getrandbits(128), version=4))

    def api_request_id(self) -> str:
        """The ``ResponseMetadata.RequestId`` of one API call through the boto3 door."""
        return str(uuid.UUID(int=self._api.getrandbits(128), version=4))

    def hex(self, n: int) -> str:
        """``n`` lowercase hex digits (log stream suffixes, revision IDs)."""
        return f"{self._rng.getrandbits(4 * n):0{n}x}"


def arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def parse_arn(value: str) -> dict | None:
    """Split an ARN into its parts, or None when it is not an ARN."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    _, partition, service, region, account, resource = parts
    return {"partition": partition, "service": service, "region": region,
            "account": account, "resource": resource}
