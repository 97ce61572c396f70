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


def load_ipython_extension(ipython):
    """``%load_ext lambdalab``: the ``%aws`` / ``%%aws`` magics run the AWS CLI against the lab."""
    from .cli import load_ipython_extension as load
    load(ipython)
