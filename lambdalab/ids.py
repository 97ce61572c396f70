"""Deterministic identifiers and ARNs, drawn from the lab's seeded random generator."""
from __future__ import annotations

import random
import uuid


class Ids:
    """Seeded ID streams, one per kind of ID: creating a queue does not shift the log-stream
    names, and reconfiguring a function does not shift the request IDs printed later."""

    def __init__(self, seed: int):
        self._seed = seed
        self._streams: dict[str, random.Random] = {}

    def _stream(self, kind: str) -> random.Random:
        stream = self._streams.get(kind)
        if stream is None:
            stream = self._streams[kind] = random.Random(f"lambdalab-{kind}-{self._seed}")
        return stream

    def uuid(self, kind: str = "resource") -> str:
        """A version-4 UUID string from the stream of that kind of ID."""
        return str(uuid.UUID(int=self._stream(kind).getrandbits(128), version=4))

    def hex(self, n: int, kind: str = "resource") -> str:
        """``n`` lowercase hex digits from the stream of that kind of ID."""
        return f"{self._stream(kind).getrandbits(4 * n):0{n}x}"

    def request_id(self) -> str:
        """The request ID of one invocation (what handlers see as ``aws_request_id``)."""
        return self.uuid("requests")

    def api_request_id(self) -> str:
        """The ``ResponseMetadata.RequestId`` of one API call through the boto3 door."""
        return self.uuid("api")


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
