"""Exception types raised by claimwatch; messages are meant to be shown to users as they are."""

from __future__ import annotations


class ClaimwatchError(Exception):
    """Base class: anything the CLI reports as one red line."""


class InputError(ClaimwatchError):
    """An input item (file, line, row, URL) cannot be read or parsed."""

    def __init__(self, origin: str, problem: str) -> None:
        self.origin = origin
        self.problem = problem
        super().__init__(f"{origin}: {problem}")


class FetchError(InputError):
    """A URL or feed could not be fetched."""


class StoreError(ClaimwatchError):
    """The database cannot be opened or written."""


class NotFoundError(ClaimwatchError):
    """A requested article, claim or model does not exist."""


class ModelError(ClaimwatchError):
    """A model artifact is missing, corrupt or incompatible."""
