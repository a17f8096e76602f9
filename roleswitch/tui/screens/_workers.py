"""What the app and its screens share: finding the engine (IAM-reading screens) and wording a failure."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def engine_of(screen: Screen[Any], engine: Any) -> Any:
    """``engine`` if given, else the app's (waiting for it to load); ``None`` if it cannot load.

    Without an engine the source profile can still read IAM, so a failure here is not an error.
    """
    if engine is not None:
        return engine
    wait = getattr(screen.app, "wait_engine", None)
    try:
        return wait() if wait is not None else None
    except Exception:  # noqa: BLE001 - see docstring
        return None


def error_line(exc: BaseException) -> str:
    """The one line shown for a failure: the core's message, or the exception type for anything else."""
    from roleswitch.core.errors import RoleswitchError

    if isinstance(exc, RoleswitchError):
        return exc.one_line()
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def failure_line(exc: BaseException) -> str:
    """:func:`error_line`, never empty and never more than one line (a worker's failure in a screen)."""
    text = error_line(exc)
    return text.splitlines()[0] if text else type(exc).__name__
