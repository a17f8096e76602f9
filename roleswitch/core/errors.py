"""Error types of the core. The CLI turns them into one line and an exit code; the TUI shows them in place.

Messages never contain secrets (secret keys, session tokens, External IDs, MFA codes).
"""

from __future__ import annotations


class RoleswitchError(Exception):
    """Base error: a user-facing ``message``, an optional ``hint`` and ``where`` (file, key, option)."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where

    def one_line(self) -> str:
        """The single line the CLI prints: ``where: message (hint)``."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text.replace("\n", " ")


class UsageError(RoleswitchError):
    """A bad command-line argument or user input."""

    exit_code = 2


class ValidationError(UsageError):
    """An input breaks an AWS limit (duration, session name, tags, External ID, MFA code, ARN)."""


class ConfigError(RoleswitchError):
    """A configuration file is unreadable or invalid."""

    exit_code = 3


class NotFoundError(ConfigError):
    """A profile or role name is not in the catalogue."""


class StsError(RoleswitchError):
    """An AWS call failed; ``code`` is the AWS error code when there is one."""

    exit_code = 4

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None,
                 where: str | None = None) -> None:
        super().__init__(message, hint=hint, where=where)
        self.code = code


class MfaRequiredError(UsageError):
    """A role needs an MFA code, none was given and no cached MFA session or prompt is available."""

    def __init__(self, serial: str, *, where: str | None = None) -> None:
        super().__init__(f"an MFA code is needed for {serial}", hint="pass --mfa-code or run in a terminal",
                         where=where)
        self.serial = serial
