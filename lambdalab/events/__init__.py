"""EventBridge: event patterns (``compile_pattern``, ``matches``); buses and rules build on them."""
from .patterns import EventPattern, InvalidEventPatternException, compile_pattern, matches

__all__ = ["EventPattern", "InvalidEventPatternException", "compile_pattern", "matches"]
