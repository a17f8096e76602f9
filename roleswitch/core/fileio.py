"""Safe file writing: atomic replace and inter-process locks (stdlib only, fast to import).

Every file that may hold credentials is written with :func:`atomic_write` (temp file in the same folder,
0600 from creation, fsync, rename) while holding :func:`file_lock`, so a reader never sees half a file and
two writers never interleave.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl


def ensure_private_dir(path: str) -> None:
    """Create ``path`` (and parents) as 0700 if missing; tighten it to 0700 if it is ours and looser."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    try:
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError:
        pass


def atomic_write(path: str, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically; the file is created with ``mode`` (never wider).

    Raises OSError when the folder is not writable; the original file is then untouched.
    """
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # umask may have narrowed it; never widen beyond ``mode``
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sys.platform != "win32":
        with contextlib.suppress(OSError):
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


@contextlib.contextmanager
def file_lock(lock_path: str) -> Iterator[None]:
    """Hold an exclusive inter-process lock on ``lock_path`` (created 0600) for the ``with`` block.

    Blocks until the lock is free. The lock file itself is left in place: deleting it would race.
    """
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if sys.platform == "win32":  # pragma: no cover
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if sys.platform != "win32":
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
