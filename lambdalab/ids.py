"""Deterministic identifiers and ARNs, drawn from the lab's seeded random generator."""
from __future__ import annotations

import random
import uuid


class Ids:
    def __init__(self, seed: int):
        self._rng = random.Random(f"lambdalab-ids-{seed}")

    def uuid(self) -> str:
        """A version-4 UUID string such as AWS uses for request IDs."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

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
