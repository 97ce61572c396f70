"""Function code: a Python callable, or a zip (``Code.ZipFile``) with ``Handler="module.func"``.

Zip code is unpacked once per code version. Each execution environment imports the handler module
afresh (module-level code runs once per environment, as on AWS), and the modules it loaded are kept
per environment and swapped into ``sys.modules`` only while its handler runs: two functions that
each ship a ``utils.py`` never see each other's.
"""
from __future__ import annotations

import importlib
import io
import os
import shutil
import sys
import tempfile
import traceback
import zipfile

from .. import facts
from ..errors import InvalidParameterValueException, RequestEntityTooLargeException


class HandlerNotFound(AttributeError):
    """The handler module imported but has no attribute named like the handler."""


class CallableCode:
    """Code given as a Python function: module-level code already ran when it was defined."""

    kind = "callable"

    def __init__(self, handler, handler_name: str | None = None):
        self.handler = handler
        module = getattr(handler, "__module__", None) or "lambda_function"
        if module == "__main__":
            module = "lambda_function"
        self.handler_name = handler_name or f"{module}.{handler.__name__}"
        self.size = 0
        self.zip_bytes = None
        self.root = None

    def load(self):
        """Return (handler, modules) for a new environment."""
        return self.handler, None

    def close(self):
        pass


class ZipCode:
    kind = "zip"

    def __init__(self, zip_bytes: bytes, handler_name: str):
        if len(zip_bytes) > facts.ZIP_BYTES:
            raise RequestEntityTooLargeException(
                f"Request must be smaller than {facts.ZIP_BYTES} bytes for the CreateFunction "
                "operation; upload larger packages to S3")
        try:
            archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
            unzipped = sum(i.file_size for i in archive.infolist())
        except zipfile.BadZipFile:
            raise InvalidParameterValueException(
                "Could not unzip uploaded file. Please check your file, then try to upload again.")
        if unzipped > facts.UNZIPPED_BYTES:
            raise InvalidParameterValueException(
                f"Unzipped size must be smaller than {facts.UNZIPPED_BYTES} bytes")
        module, _, func = handler_name.rpartition(".")
        if not module or not func:
            raise InvalidParameterValueException(
                f"Handler {handler_name!r} must look like 'module.function', e.g. "
                "'lambda_function.lambda_handler'")
        self.zip_bytes = zip_bytes
        self.size = len(zip_bytes)
        self.handler_name = handler_name
        self.module_name, self.func_name = module, func
        self.root = tempfile.mkdtemp(prefix="lambdalab-task-")
        archive.extractall(self.root)

    def load(self):
        """Import the handler module for a new environment; return (handler, its modules)."""
        before = set(sys.modules)
        sys.path.insert(0, self.root)
        try:
            module = importlib.import_module(self.module_name.replace("/", "."))
            handler = getattr(module, self.func_name, None)
        finally:
            sys.path.remove(self.root)
            modules = {name: sys.modules.pop(name) for name in set(sys.modules) - before
                       if self._ours(sys.modules[name])}
        if handler is None:
            raise HandlerNotFound(f"Handler '{self.func_name}' missing on module "
                                  f"'{self.module_name}'")
        return handler, modules

    def _ours(self, module) -> bool:
        path = getattr(module, "__file__", None) or ""
        return path.startswith(self.root + os.sep)

    def enter(self, modules: dict):
        """Make an environment's modules importable while its handler runs."""
        saved = {name: sys.modules.get(name) for name in modules}
        sys.modules.update(modules)
        sys.path.insert(0, self.root)
        return saved

    def leave(self, modules: dict, saved: dict):
        sys.path.remove(self.root)
        for name in [n for n, m in sys.modules.items() if n not in modules and self._ours(m)]:
            modules[name] = sys.modules.pop(name)   # imported lazily inside the handler
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def init_error(exc: BaseException, handler_name: str, root: str | None = None):
    """How the Python runtime reports a failed INIT: ``(errorType, errorMessage, stackTrace)``.

    Mirrors awslambdaric's ``bootstrap._get_handler``: an ImportError is
    ``Runtime.ImportModuleError``, a SyntaxError ``Runtime.UserCodeSyntaxError``, a missing
    handler ``Runtime.HandlerNotFound``; any other exception raised by module-level code is
    reported as itself (e.g. ``KeyError`` for a missing environment variable)."""
    module, _, func = handler_name.rpartition(".")
    if isinstance(exc, HandlerNotFound):
        return "Runtime.HandlerNotFound", f"Handler '{func}' missing on module '{module}'", []
    if isinstance(exc, ImportError):
        return "Runtime.ImportModuleError", f"Unable to import module '{module}': {exc}", []
    if isinstance(exc, SyntaxError):
        path = exc.filename or ""
        if root and path.startswith(root + os.sep):
            path = "/var/task/" + os.path.relpath(path, root)
        return ("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module}': {exc}",
                [f'  File "{path}" Line {exc.lineno}\n    {(exc.text or "").strip()}\n'])
    # the trace starts at the first frame of the function's own code (no lab or importlib frames)
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames)
                  if root and f.filename.startswith(root + os.sep)), len(frames))
    stack = []
    for f in frames[first:]:
        path = f.filename
        if root and path.startswith(root + os.sep):
            path = "/var/task/" + os.path.relpath(path, root)
        stack.append(f'  File "{path}", line {f.lineno}, in {f.name}\n'
                     + (f"    {f.line}\n" if f.line else ""))
    return type(exc).__name__, str(exc), stack


def make_zip(files: dict[str, str | bytes]) -> bytes:
    """Build a deployment package from ``{"path/in/zip.py": source}`` (deterministic bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED   # a ZipInfo defaults to stored
            data = files[name]
            archive.writestr(info, data.encode() if isinstance(data, str) else data)
    return buffer.getvalue()
