"""What the IAM-reading screens (permissions, trust) share: finding the engine and wording a failure."""

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


def failure_line(exc: BaseException) -> str:
    """One line for a worker's failure: the core's own message when it is ours, else the exception's."""
    from roleswitch.core.errors import RoleswitchError

    text = exc.one_line() if isinstance(exc, RoleswitchError) else f"{type(exc).__name__}: {exc}"
    return text.splitlines()[0] if text else type(exc).__name__
