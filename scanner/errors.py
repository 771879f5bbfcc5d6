"""Errors that mean "the user asked for something unusable" (the CLI exits 2 with the message).
Problems *inside* scanned files are never errors: they are located findings."""

from __future__ import annotations


class UserError(Exception):
    """A usage problem: unreadable input path, unknown Kubernetes version, bad config file."""
