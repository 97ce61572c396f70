"""List pagination shared by the door adapters: the lab's page tokens are plain offsets.

Each service keeps its own parameter names, limits and error codes; this is only the slicing.
"""
from __future__ import annotations


def page(items: list, start: int, size: int, key: str, token: str = "NextToken") -> dict:
    """``{key: items[start:start + size]}``, plus ``token`` when more items remain."""
    body = {key: items[start:start + size]}
    if start + size < len(items):
        body[token] = str(start + size)
    return body
