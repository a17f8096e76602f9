"""The cached fast path: ``export``, ``credential-process`` and ``status`` answered from the cache alone.

:func:`run` parses the simple argv shapes by hand (no argparse), computes the cache key exactly as the
engine does (:func:`roleswitch.core.cache.options_digest`), and prints the export when the cache holds a
valid session whose config stamp (an ``os.stat`` fingerprint of the config files) still matches. It never
reads the AWS config (a 5,000-profile file costs nothing here) and imports only the stdlib and
core.cache/export/paths/fileio: no boto3, botocore, textual, platformdirs, pathlib, argparse, dataclasses.

Anything it does not fully understand (another option, ``--debug``, a miss, a stale stamp, a session bought
for a reason) returns ``None`` and the normal command line handles it -- which re-verifies the role
definition and re-stamps the entry, so the next call is fast again. It prints nothing unless it answers.
"""

from __future__ import annotations

import os
import sys

from roleswitch.core import cache as cachemod
from roleswitch.core import export, paths

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path does not import typing
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping, Sequence
    from typing import Any

# Options of `export` the fast path understands: name -> field of the options digest.
_VALUE_OPTIONS = {
    "--format": "format", "-f": "format", "--region": "region", "--duration": "duration_seconds",
    "--session-name": "session_name", "--source-identity": "source_identity", "--tag": "tags",
    "--transitive-tag": "transitive_tag_keys", "--policy-arn": "policy_arns",
}
_LISTS = ("tags", "transitive_tag_keys", "policy_arns")


def parse_export(args: Sequence[str]) -> tuple[str, str | None, dict[str, Any]] | None:
    """``(profile, format or None, digest fields)`` of ``export`` arguments, or ``None`` if not simple."""
    profile: str | None = None
    fmt: str | None = None
    fields: dict[str, Any] = {name: [] for name in _LISTS}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=")
            if name not in _VALUE_OPTIONS:
                return None
            if not eq:
                i += 1
                if i >= len(args):
                    return None
                value = args[i]
            field = _VALUE_OPTIONS[name]
            if field == "format":
                fmt = value
            elif field == "tags":
                key, sep, tag_value = value.partition("=")
                if not sep:
                    return None
                fields["tags"].append((key, tag_value))
            elif field in _LISTS:
                fields[field].append(value)
            elif field == "duration_seconds":
                if not value.isdigit() or not value.isascii():
                    return None
                fields[field] = int(value)
            else:
                if field in fields:  # given twice: let argparse decide what that means
                    return None
                fields[field] = value
        else:
            if profile is not None:
                return None
            profile = arg
        i += 1
    if not profile or (fmt is not None and fmt not in export.FORMATS):
        return None
    return profile, fmt, fields


def lookup(profile: str, fields: Mapping[str, Any], *, process: bool) -> dict[str, Any] | None:
    """The cached session record for ``profile`` with these options, if valid without reading config."""
    key = cachemod.cache_key(profile, cachemod.options_digest(**fields))
    record = cachemod.fast_lookup(paths.cache_dir(), key, cachemod.config_stamp(),
                                  min_margin=cachemod.PROCESS_MARGIN_SECONDS if process else 0.0)
    if record is None or record.get("profile") != profile:
        return None
    # A reason_required role's session carries its reason as a tag: only the engine may judge a reuse.
    if any(str(tag[0]).lower() == "reason" for tag in record.get("tags") or ()):
        return None
    return record


def run(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> int | None:
    """Answer ``argv`` from the cache and return the exit status, or ``None`` to use the full CLI."""
    environ = os.environ if environ is None else environ
    if not argv or environ.get("ROLESWITCH_NO_FAST"):
        return None
    command, args = argv[0], list(argv[1:])
    try:
        if command == "status" and args in ([], ["--json"]):
            output = _status(as_json=bool(args))
        elif command == "credential-process" and len(args) == 1 and not args[0].startswith("-"):
            record = lookup(args[0], {}, process=True)
            if record is None:
                return None
            output = export.render_record("process", record)
        elif command == "export":
            parsed = parse_export(args)
            if parsed is None:
                return None
            profile, fmt, fields = parsed
            fmt = fmt or export.default_format(environ)
            record = lookup(profile, fields, process=fmt == "process")
            if record is None:
                return None
            output = export.render_record(fmt, record)
        else:
            return None
    except Exception:  # anything unexpected: the full command line will report it properly
        return None
    sys.stdout.write(output)
    sys.stdout.flush()
    return 0


def _status(*, as_json: bool) -> str:
    from roleswitch.cli.status import render_status

    return render_status(paths.cache_dir(), as_json=as_json)
