"""The refusal of a builder."""

from __future__ import annotations


class Refused(Exception):
    """The change cannot be made safely as a text edit; the message says why."""
