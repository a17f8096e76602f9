"""Recently assumed roles (most recent first), kept in the data dir. Stdlib only; never raises."""

from __future__ import annotations

import json
import os

MAX_RECENTS = 20


def default_path() -> str:
    from roleswitch.core import paths

    return os.path.join(paths.data_dir(), "recents.json")


def load_recents(path: str) -> list[str]:
    """Names from ``path``; an unreadable or malformed file is an empty history."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return []
    return [name for name in data if isinstance(name, str)][:MAX_RECENTS] if isinstance(data, list) else []


def record_recent(path: str, name: str) -> list[str]:
    """Move ``name`` to the front of the history and save it (best effort); returns the new history."""
    names = [name] + [n for n in load_recents(path) if n != name]
    names = names[:MAX_RECENTS]
    try:
        from roleswitch.core.fileio import atomic_write

        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        atomic_write(path, json.dumps(names).encode())
    except Exception:  # history is a convenience: never fail an assume over it
        pass
    return names
