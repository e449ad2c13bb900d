"""The rule catalogue: one module per topic. Importing this package registers every rule."""

from klint.rules import host, input, privileges

__all__ = ["host", "input", "privileges"]
