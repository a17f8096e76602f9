"""Messages posted by thread workers to the app: workers never touch widgets, they post these."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from roleswitch.core.model import Session


class EngineReady(Message):
    """The engine (and boto3) finished loading in a worker, after the first paint."""

    def __init__(self, engine: Any) -> None:
        super().__init__()
        self.engine = engine


class EngineFailed(Message):
    """The engine could not be built; ``error`` is one clear line."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class CachedSessions(Message):
    """Sessions read from the credential cache (key, session) in a worker."""

    def __init__(self, sessions: list[tuple[str, Session]]) -> None:
        super().__init__()
        self.sessions = sessions

