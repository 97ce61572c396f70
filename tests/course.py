"""Helpers shared by the tests of the course's exercise solutions."""
from __future__ import annotations

import importlib.util
from pathlib import Path


def load_module(path: Path):
    """Import a file by path (``notebooks/solutions/*.py`` is not a package)."""
    spec = importlib.util.spec_from_file_location(f"solutions_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
