"""lambdalab: an in-process, deterministic emulator of AWS serverless services, for learning.

>>> from lambdalab import Lab
>>> lab = Lab(seed=0)
>>> lab.now.isoformat()
'2026-01-01T00:00:00+00:00'
"""
from .awslambda import durations
from .awslambda.code import make_zip
from .errors import AWSError, LabError
from .lab import Lab

__all__ = ["Lab", "AWSError", "LabError", "durations", "make_zip"]
__version__ = "0.1.0"
