"""The credential cache: one JSON file per session under ``<cache_dir>/sessions/``.

Files are 0600 inside 0700 folders, always replaced atomically (temp file, fsync, rename) so a reader never
sees half a file, and a per-key inter-process lock (:meth:`CredentialCache.lock`) lets N concurrent callers
for the same role make exactly one STS call (check, lock, re-check, call).

Stdlib only and cheap to import: the cached fast path (``roleswitch export P`` on a hit) reads these files
without loading boto3, dataclasses, datetime or pathlib. That is why :mod:`roleswitch.core.model` is only
imported inside functions here, why expiry is also stored as an epoch number, and why every entry carries a
``stamp`` (:func:`config_stamp`: an ``os.stat`` fingerprint of the config files when it was written). The
fast path trusts an entry only while that stamp still matches; otherwise the slow path re-checks the role
definition fingerprint and re-stamps the entry.

A file that is not valid JSON (a crash of some other tool, a disk error, tampering) is ignored and
replaced on the next write; it never breaks a command.
"""

from __future__ import annotations

import _thread  # the builtin behind threading: re-entrant locks without importing threading (~2 ms)
import os
import sys
import time

from roleswitch.core import paths
from roleswitch.core.lazy import sha256 as _sha256  # the builtin SHA-256: hashlib loads OpenSSL (~5 ms)

# typing, contextlib and fileio are not imported at run time: the fast path only reads (see docstring).
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any

    from roleswitch.core.model import Clock, Session

FORMAT_VERSION = 1
DEFAULT_MARGIN_SECONDS = 300
# credential_process callers (botocore) refresh when < 15 min are left and fail if a refresh still returns
# credentials with < 10 min: never hand them a session closer than 11 minutes to its end.
PROCESS_MARGIN_SECONDS = 660
SESSIONS = "sessions"
LOCKS = "locks"
_SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _hash(text: str, length: int = 32) -> str:
    return _sha256(text.encode("utf-8")).hexdigest()[:length]


def cache_key(name: str, options_digest: str = "") -> str:
    """The file-name-safe key of ``name`` (profile or role) obtained with options of ``options_digest``.

    A readable slug of the name (for people looking at the folder) plus a hash of the exact name and
    digest (so names that slug alike never collide).
    """
    slug = "".join(c if c in _SLUG_CHARS else "_" for c in name)[:48].lstrip(".") or "_"
    return f"{slug}.{_hash(name + chr(0) + options_digest, 24)}"


def options_digest(
    *,
    duration_seconds: int | None = None,
    tags: Any = (),
    transitive_tag_keys: Any = (),
    source_identity: str | None = None,
    session_name: str | None = None,
    policy_arns: Any = (),
    policy_json: str | None = None,
    region: str | None = None,
) -> str:
    """Stable digest of the non-secret options that change a session ("" when none is set).

    The single definition shared by the slow path (``AssumeOptions.digest()``) and the stdlib-only fast
    path, so both compute the same cache key. Order of tags, transitive keys and policy ARNs does not
    matter; secrets (MFA code, External ID) are deliberately not part of it.
    """
    fields: dict[str, Any] = {}
    if duration_seconds is not None:
        fields["duration"] = int(duration_seconds)
    if tags:
        fields["tags"] = sorted([str(k), str(v)] for k, v in tags)
    if transitive_tag_keys:
        fields["transitive"] = sorted(str(k) for k in transitive_tag_keys)
    if source_identity:
        fields["source_identity"] = source_identity
    if session_name:
        fields["session_name"] = session_name
    if policy_arns:
        fields["policy_arns"] = sorted(set(policy_arns))
    if policy_json:
        fields["policy"] = _hash(policy_json, 64)
    if region:
        fields["region"] = region
    if not fields:
        return ""
    return _hash(_dumps(fields, sort_keys=True, separators=(",", ":")))


class _ScanContext:
    """What the C JSON scanner reads off its context: the defaults of ``json.loads``."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> float:
        return float(name.lower().replace("infinity", "inf"))


def _loads(text: str) -> Any:
    """``json.loads`` for the cached fast path, through the C scanner behind it.

    Importing the ``json`` package costs ~11 ms here (its decoder and encoder import ``re`` and ``enum``),
    a fifth of the cached export's budget; ``_json`` is the same parser without them. Falls back to
    ``json.loads`` where ``_json`` is missing (other interpreters). Raises ValueError on bad input.
    """
    try:
        from _json import make_scanner
    except ImportError:  # pragma: no cover - CPython always has it
        import json

        return json.loads(text)
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = make_scanner(_ScanContext)(text, start)
    except StopIteration as exc:
        raise ValueError(f"not JSON at character {exc.value}") from None
    if text[end:].strip(" \t\n\r"):
        raise ValueError(f"extra data at character {end}")
    return value


def _dumps(value: Any, **kwargs: Any) -> str:
    import json  # only off the cached read path: digests of non-default options and writes

    return json.dumps(value, **kwargs)


def config_stamp(config_path: str | None = None, credentials_path: str | None = None,
                 settings_path: str | None = None) -> str:
    """Cheap fingerprint (``os.stat`` only) of the AWS config, credentials and roleswitch config files.

    It changes whenever one of them is written, created or removed. Not secret: sizes and times only.
    """
    parts = []
    for path in (config_path or paths.aws_config_file(), credentials_path or paths.aws_credentials_file(),
                 settings_path or paths.config_file()):
        try:
            st = os.stat(path)
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def session_to_dict(session: Session) -> dict[str, Any]:
    """The JSON form of a :class:`~roleswitch.core.model.Session` (holds the secrets: store it 0600)."""
    from roleswitch.core.model import format_time

    return {
        "profile": session.profile,
        "credentials": session.credentials.to_dict(),
        "api": str(session.api),
        "role_arn": session.role_arn,
        "assumed_arn": session.assumed_arn,
        "account_id": session.account_id,
        "region": session.region,
        "session_name": session.session_name,
        "source_identity": session.source_identity,
        "tags": [[k, v] for k, v in session.tags],
        "created": format_time(session.created) if session.created else None,
    }


def session_from_dict(data: dict[str, Any]) -> Session:
    """Rebuild a Session from :func:`session_to_dict` output; raises KeyError/ValueError/TypeError if bad."""
    from roleswitch.core.model import Credentials, Session, StsApi, parse_time

    created = data.get("created")
    return Session(
        profile=str(data["profile"]),
        credentials=Credentials.from_dict(data["credentials"]),
        api=StsApi(data.get("api") or StsApi.ASSUME_ROLE),
        role_arn=data.get("role_arn"),
        assumed_arn=data.get("assumed_arn"),
        account_id=data.get("account_id"),
        region=data.get("region"),
        session_name=data.get("session_name"),
        source_identity=data.get("source_identity"),
        tags=tuple((str(k), str(v)) for k, v in data.get("tags") or ()),
        created=parse_time(created) if created else None,
    )


def _expires_at(record: dict[str, Any]) -> float | None:
    """Epoch seconds of the stored session's expiry (``None``: never expires)."""
    value = record.get("expires_at")
    return float(value) if value is not None else None


def read_record(path: str) -> dict[str, Any] | None:
    """Read one cache file; ``None`` when missing, not ours, group/world accessible, or not valid.

    Refusing files we do not own or that others can read/write keeps a planted or leaked file from being
    used as credentials.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if sys.platform != "win32":
            st = os.fstat(fd)
            if st.st_uid != os.getuid() or st.st_mode & 0o077:
                return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        record = _loads(raw.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    if (not isinstance(record, dict) or record.get("version") != FORMAT_VERSION
            or not isinstance(record.get("session"), dict)
            or not isinstance(record["session"].get("credentials"), dict)):
        return None
    return record


def fast_lookup(directory: str, key: str, stamp: str, *, min_margin: float = 0.0) -> dict[str, Any] | None:
    """The fast path's read: the stored session dict of ``key`` if still trustworthy without config.

    Valid when the entry's config ``stamp`` matches and it does not expire within its recorded margin
    (at least ``min_margin``). Never raises.
    """
    record = read_record(os.path.join(directory, SESSIONS, key + ".json"))
    if record is None or record.get("stamp") != stamp or not record.get("fingerprint"):
        return None
    try:
        expires = _expires_at(record)
        margin = max(float(record.get("margin_seconds", DEFAULT_MARGIN_SECONDS)), min_margin)
    except (TypeError, ValueError):
        return None
    if expires is not None and expires - time.time() <= margin:
        return None
    session = record["session"]
    return session if isinstance(session, dict) else None


class CacheEntry:
    """One cached session as listed by :meth:`CredentialCache.entries` (expired ones included)."""

    __slots__ = ("key", "session", "fingerprint", "name", "stamp")

    def __init__(self, key: str, session: Session, fingerprint: str = "", name: str | None = None,
                 stamp: str = "") -> None:
        self.key = key
        self.session = session
        self.fingerprint = fingerprint
        self.name = name if name is not None else session.profile
        self.stamp = stamp

    def __repr__(self) -> str:  # Session's repr already hides the secrets
        return f"CacheEntry(key={self.key!r}, name={self.name!r}, session={self.session!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CacheEntry) and all(
            getattr(self, s) == getattr(other, s) for s in self.__slots__)

    __hash__ = None  # type: ignore[assignment]


# Locks held by this process, so that lock(key) is re-entrant: the CLI may hold a key's lock around
# Engine.obtain, which takes the same lock inside; a second flock on a new descriptor would deadlock.
_held: dict[str, tuple[Any, int, int]] = {}
_GUARD = _thread.allocate_lock()


class CredentialCache:
    """Credential cache in ``directory`` (default :func:`roleswitch.core.paths.cache_dir`).

    ``margin_seconds``: sessions expiring within it count as expired. ``record_margin`` is the margin
    written into entries for the fast path (default ``margin_seconds``; the CLI uses a wider read margin
    for ``credential_process`` callers). ``stamp``: config stamp written with each entry (default: computed
    by :func:`config_stamp` at first write; pass the value taken *before* loading the config so a file
    changed meanwhile invalidates the entry rather than being masked).
    """

    def __init__(self, directory: str | None = None, *, now: Clock | None = None,
                 margin_seconds: int = DEFAULT_MARGIN_SECONDS, record_margin: int | None = None,
                 stamp: str | None = None) -> None:
        self.directory = directory or paths.cache_dir()
        self.margin_seconds = margin_seconds
        self.record_margin = margin_seconds if record_margin is None else record_margin
        self._now = now
        self._stamp = stamp
        self._names: dict[str, str] = {}

    # -- helpers -------------------------------------------------------------------------------
    def now(self) -> Any:
        if self._now is None:
            from roleswitch.core.model import utcnow

            self._now = utcnow
        return self._now()

    @property
    def stamp(self) -> str:
        if self._stamp is None:
            self._stamp = config_stamp()
        return self._stamp

    @property
    def sessions_dir(self) -> str:
        return os.path.join(self.directory, SESSIONS)

    def path(self, key: str) -> str:
        """The file of ``key`` (whether or not it exists)."""
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError("invalid cache key")
        return os.path.join(self.sessions_dir, key + ".json")

    def _ensure_dirs(self) -> None:
        from roleswitch.core import fileio

        fileio.ensure_private_dir(self.directory)
        fileio.ensure_private_dir(self.sessions_dir)
        fileio.ensure_private_dir(os.path.join(self.directory, LOCKS))

    def key(self, name: str, options_digest: str = "") -> str:
        """Cache key of ``name`` obtained with options of digest ``options_digest`` (see :func:`cache_key`)."""
        key = cache_key(name, options_digest)
        self._names[key] = name
        return key

    # -- reading -------------------------------------------------------------------------------
    def _entry_from_record(self, key: str, record: dict[str, Any]) -> CacheEntry | None:
        try:
            session = session_from_dict(record["session"])
        except (KeyError, ValueError, TypeError, AttributeError):
            return None
        return CacheEntry(key, session, str(record.get("fingerprint") or ""),
                          record.get("name") if isinstance(record.get("name"), str) else None,
                          str(record.get("stamp") or ""))

    def entry(self, key: str) -> CacheEntry | None:
        """The entry of ``key`` even if expired; ``None`` when missing or unreadable."""
        record = read_record(self.path(key))
        return None if record is None else self._entry_from_record(key, record)

    def get(self, key: str, *, fingerprint: str | None = None, margin_seconds: float | None = None
            ) -> Session | None:
        """The cached session of ``key``, or ``None`` if missing, unreadable or expiring within the margin.

        With ``fingerprint``, an entry recorded for a different role definition is also ``None``.
        """
        entry = self.entry(key)
        if entry is None:
            return None
        if fingerprint is not None and entry.fingerprint and entry.fingerprint != fingerprint:
            return None
        margin = self.margin_seconds if margin_seconds is None else margin_seconds
        if entry.session.credentials.expires_within(self.now(), margin):
            return None
        return entry.session

    def entries(self) -> list[CacheEntry]:
        """Every readable entry (expired ones too), soonest expiry first; unreadable files are skipped."""
        found: list[CacheEntry] = []
        try:
            names = os.listdir(self.sessions_dir)
        except OSError:
            return found
        for filename in names:
            if filename.startswith(".") or not filename.endswith(".json"):
                continue
            key = filename[:-5]
            entry = self.entry(key)
            if entry is not None:
                found.append(entry)
        far = float("inf")
        found.sort(key=lambda e: (e.session.expiration.timestamp() if e.session.expiration else far, e.key))
        return found

    # -- writing -------------------------------------------------------------------------------
    def _write(self, key: str, record: dict[str, Any]) -> None:
        from roleswitch.core import fileio

        self._ensure_dirs()
        data = _dumps(record, sort_keys=True, indent=1).encode("utf-8")
        # A short per-key write lock (not the single-flight lock, which the caller may hold): two writers
        # of one key never interleave their temp files.
        with fileio.file_lock(os.path.join(self.directory, LOCKS, key + ".write")):
            fileio.atomic_write(self.path(key), data, mode=0o600)

    def put(self, key: str, session: Session, *, fingerprint: str = "", stamp: str | None = None,
            name: str | None = None) -> None:
        """Store ``session`` under ``key`` atomically (0600), replacing whatever was there (even garbage).

        ``fingerprint``: the role definition it was obtained for; ``stamp``: config stamp (default
        :attr:`stamp`); ``name``: the profile name (default: the name given to :meth:`key`, else
        ``session.profile``). Raises OSError when the cache folder cannot be written.
        """
        expiration = session.credentials.expiration
        record = {
            "version": FORMAT_VERSION,
            "name": name or self._names.get(key) or session.profile,
            "fingerprint": fingerprint,
            "stamp": self.stamp if stamp is None else stamp,
            "margin_seconds": self.record_margin,
            "expires_at": expiration.timestamp() if expiration is not None else None,
            "session": session_to_dict(session),
        }
        self._write(key, record)

    def restamp(self, key: str, *, fingerprint: str | None = None, stamp: str | None = None) -> bool:
        """Re-write ``key``'s entry with the current config stamp (and ``fingerprint`` when given).

        Used by the slow path after it verified the role definition is unchanged. Returns False if the
        entry is missing or unreadable.
        """
        record = read_record(self.path(key))
        if record is None:
            return False
        record["stamp"] = self.stamp if stamp is None else stamp
        record["margin_seconds"] = self.record_margin
        if fingerprint is not None:
            record["fingerprint"] = fingerprint
        self._write(key, record)
        return True

    def delete(self, key: str) -> bool:
        """Remove ``key``'s entry; True if a file was removed."""
        try:
            os.unlink(self.path(key))
        except FileNotFoundError:
            return False
        return True

    def forget(self, name: str | None = None) -> int:
        """Remove every entry of profile ``name`` (all entries, garbage included, when ``None``).

        Returns how many files were removed.
        """
        removed = 0
        try:
            filenames = os.listdir(self.sessions_dir)
        except OSError:
            return 0
        for filename in filenames:
            path = os.path.join(self.sessions_dir, filename)
            if name is not None:
                if not filename.endswith(".json") or filename.startswith("."):
                    continue
                record = read_record(path)
                if record is None:
                    continue
                session = record.get("session") or {}
                if record.get("name") != name and session.get("profile") != name:
                    continue
            try:
                os.unlink(path)
            except (FileNotFoundError, IsADirectoryError):
                continue
            removed += filename.endswith(".json") and not filename.startswith(".")
        return removed

    # -- locking -------------------------------------------------------------------------------
    def lock(self, key: str) -> Iterator[None]:
        """Exclusive inter-process lock of ``key`` for single flight (re-entrant within a process).

        Pattern: ``get`` -> miss -> ``with cache.lock(key):`` -> ``get`` again -> call STS -> ``put``.
        """
        import contextlib

        return contextlib.contextmanager(self._locked)(key)

    def _locked(self, key: str) -> Iterator[None]:
        self._ensure_dirs()
        lock_path = os.path.join(self.directory, LOCKS, key + ".lock")
        with _GUARD:
            held = _held.get(lock_path)
            if held is None:
                held = (_thread.RLock(), 0, -1)
                _held[lock_path] = held
            rlock = held[0]
        with rlock:
            _, depth, fd = _held[lock_path]
            if depth == 0:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    _flock(fd, True)
                except BaseException:
                    os.close(fd)
                    raise
            _held[lock_path] = (rlock, depth + 1, fd)
            try:
                yield
            finally:
                _, depth, fd = _held[lock_path]
                if depth == 1:
                    try:
                        _flock(fd, False)
                    except OSError:
                        pass
                    os.close(fd)
                    fd = -1
                _held[lock_path] = (rlock, depth - 1, fd)


def _flock(fd: int, acquire: bool) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK if acquire else msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX if acquire else fcntl.LOCK_UN)
