"""Exception types raised by claimwatch; messages are meant to be shown to users as they are.

    ClaimwatchError                 anything the CLI prints as one red line (API: one JSON error body)
    ├── ConfigError                 a setting (CLAIMWATCH_* or an option) has a bad value        -> 400
    ├── InputError                  an input item (file, line, row, URL, request field) is bad   -> 400
    │   └── FetchError              a URL or feed could not be fetched (or may not be)          -> 400
    ├── StoreError                  the database cannot be opened or written                    -> 503
    ├── NotFoundError               a requested article, claim or model does not exist          -> 404
    └── ModelError                  a model artifact is missing, corrupt or incompatible        -> 500

Each front end maps these once: `cli.main` prints one line and exits non-zero, `api.app` answers
{"error": {"status", "code", "message"}} with the status on the right.
"""

from __future__ import annotations


class ClaimwatchError(Exception):
    """Base class: anything the CLI reports as one red line."""


class ConfigError(ClaimwatchError):
    """A setting has a value that cannot be used."""


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
