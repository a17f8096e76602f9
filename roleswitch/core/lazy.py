"""Start-up helpers: regular expressions compiled on first use, and SHA-256 without importing OpenSSL.

Every command imports core.settings/awsconfig/catalogue, but most never validate a config file or a theme:
compiling their patterns at import time was paid by every run for nothing. ``hashlib`` loads OpenSSL's
``_hashlib`` (several ms); the built-in ``_sha256`` (``_sha2`` from 3.12) computes the same digest.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing is part of what this saves
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["LazyPattern", "sha256"]

try:  # the same digest as hashlib.sha256, from the interpreter's own module
    from _sha256 import sha256  # type: ignore[import-not-found]  # Python 3.11
except ImportError:  # pragma: no cover - depends on the interpreter
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,no-redef]  # Python 3.12+
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment,no-redef]


class LazyPattern:
    """Stands for ``re.compile(pattern, flags)``, compiled when first used.

    Pattern methods (``fullmatch``, ``match``, ``search``, ``sub``...) and attributes behave as on the
    compiled pattern; after the first use they are looked up directly (no per-call indirection).
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        import re

        compiled = re.compile(*self._args)
        for method in ("fullmatch", "match", "search", "sub", "subn", "split", "findall", "finditer"):
            self.__dict__[method] = getattr(compiled, method)
        self.__dict__["compiled"] = compiled
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._args[0]!r})"
