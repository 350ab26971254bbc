"""Errors a user can meet, each with the exit code a script reads.

Messages are French and complete: the CLI prints them as they are, never a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every diagterr command (documented in the README)."""

    DONE = 0
    FAILED = 1  # unexpected failure, or nothing found (search), or a batch site failed
    BAD_INPUT = 2  # a code, an option or a file given by the user is wrong
    OFFLINE_UNAVAILABLE = 3  # --offline and the data is neither in the cache nor in the samples
    PARTIAL = 4  # done, but at least one source failed: the gaps are marked in the dossier
    TERMINATED = 143  # stopped by SIGTERM (128 + 15, the shell's convention)


class DiagterrError(Exception):
    """Base of the errors that end a command with a French message."""

    exit_code: ExitCode = ExitCode.FAILED


class BadInputError(DiagterrError):
    """The user gave a value that cannot be used (code, option, file)."""

    exit_code = ExitCode.BAD_INPUT


class UnknownTerritoryError(BadInputError):
    """A well-formed code that names no territory of the COG index."""


class OfflineUnavailableError(DiagterrError):
    """Offline mode, and what is needed is neither cached nor in the samples."""

    exit_code = ExitCode.OFFLINE_UNAVAILABLE


class SourceError(DiagterrError):
    """A data source could not give its data (network, HTTP error, unexpected schema).

    `status` is the HTTP status that ended the fetch (404, 500…), None when no status did
    (network down, unreadable body): callers test it rather than the French message.
    """

    def __init__(self, message: str = "", *, status: int | None = None):
        super().__init__(message)
        self.status = status


class SourceSchemaError(SourceError):
    """A source answered with a body whose shape is not the documented one."""


class NotFoundAtSourceError(SourceError):
    """The source answered 404: the code is unknown there."""


class FolderBusyError(BadInputError):
    """Another diagterr process is writing in the output folder."""


class OutputWriteError(DiagterrError):
    """The dossier could not be written (full disk, permissions): the previous edition is intact."""


class TerminatedError(DiagterrError):
    """The process received SIGTERM: the work in progress was stopped, the previous editions kept."""

    exit_code = ExitCode.TERMINATED
