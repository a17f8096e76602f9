"""The AWS shared files (``~/.aws/config`` and ``~/.aws/credentials``): a fast reader and a careful writer.

Reading follows botocore exactly (``botocore.configloader`` + ``Session.full_config``): the INI dialect of
``configparser.RawConfigParser`` with its defaults (``=`` or ``:``, full-line ``#``/``;`` comments, indented
continuation lines, ``[DEFAULT]`` inherited by every section, lower-cased keys, duplicate sections or keys
rejected), ``[default]`` / ``[profile x]`` / ``[sso-session x]`` in the config file, bare ``[x]`` in the
credentials file, and credentials keys winning over config keys. A unit test compares the result with
botocore's own loader on the same files.

Speed: the parser below is a line-by-line port of ``RawConfigParser._read`` without its generality, and its
result is kept in an index (``<cache_dir>/index-*.json``) keyed by path, mtime, size and inode of both files.
With the files unchanged a 5,000-profile config loads from the index in a few milliseconds instead of the
~250 ms botocore spends. The index never holds secrets: secret values are read again from the (small) file
that holds them on each load, so long-term keys are not copied anywhere.

Import cost matters here (the CLI lists profiles on its fast path): only ``os`` and ``marshal`` at
import time; ``shlex`` and ``difflib`` are imported on the slow path only.
"""

from __future__ import annotations

import gc
import marshal
import os
import sys

from roleswitch.core import paths
from roleswitch.core.errors import ConfigError
from roleswitch.core.lazy import sha256
from roleswitch.core.model import AwsProfile, Credentials, ProfileKind, format_time

__all__ = [
    "SECRET_KEYS",
    "config_fingerprint",
    "default_profile_name",
    "load_profiles",
    "load_sso_sessions",
    "profile_kind",
    "write_credentials_profile",
]

# Keys whose values are secrets: never written to the index, never shown.
SECRET_KEYS = frozenset({"aws_secret_access_key", "aws_session_token", "aws_security_token"})

_INDEX_VERSION = 1
_DEFAULT_SECTION = "DEFAULT"  # configparser's special section, inherited by all others


# --------------------------------------------------------------------------------------------------------
# The INI dialect
# --------------------------------------------------------------------------------------------------------


class _Section:
    """One parsed section: its options and, for the writer, the line numbers it spans."""

    __slots__ = ("name", "options", "header_line", "last_line", "option_lines")

    def __init__(self, name: str, header_line: int) -> None:
        self.name = name
        self.options: dict[str, list[str]] = {}
        self.header_line = header_line
        self.last_line = header_line  # last line that belongs to the section (comments/blank lines included)
        self.option_lines: dict[str, list[int]] = {}  # option -> [first line, last line]


def _split_lines(text: str) -> list[str]:
    """Lines as universal newlines (what configparser reads) see them: \\n, \\r\\n or a lone \\r."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _parse_ini(text: str, where: str, *, track: bool = False
               ) -> tuple[dict[str, _Section], dict[str, str], list[int]]:
    """Parse INI text the way ``configparser.RawConfigParser()`` does (botocore's reader).

    Returns the sections in file order, the ``[DEFAULT]`` options and the (0-based) line of every header.
    Line numbers of options are recorded when ``track`` is true. Raises ConfigError naming the file and line for anything configparser rejects.
    """
    sections: dict[str, _Section] = {}
    defaults = _Section(_DEFAULT_SECTION, -1)
    seen: set[object] = set()  # configparser's ``elements_added`` (strict mode)
    headers: list[int] = []
    cursect: _Section | None = None
    optname: str | None = None
    indent_level = 0
    lines = _split_lines(text)
    if lines and lines[-1] == "":
        lines.pop()
    for lineno, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            # A blank line inside a value is kept (empty_lines_in_values); a comment line never is.
            if not stripped and cursect is not None and optname is not None:
                cursect.options[optname].append("")
            continue
        cur_indent = len(line) - len(line.lstrip())
        if cursect is not None and optname is not None and cur_indent > indent_level:
            cursect.options[optname].append(stripped)
            if track:
                cursect.option_lines[optname][1] = lineno
                cursect.last_line = lineno
            continue
        indent_level = cur_indent
        if stripped[0] == "[":
            end = stripped.rfind("]")
            if end >= 2:  # configparser's SECTCRE: r"\[(?P<header>.+)\]" (greedy, anchored at the start)
                name = stripped[1:end]
                optname = None
                headers.append(lineno)
                if name == _DEFAULT_SECTION:
                    cursect = defaults
                    continue
                if name in seen:
                    raise ConfigError(
                        f"section [{name}] appears twice", hint="botocore rejects duplicate sections; merge them",
                        where=f"{where}:{lineno + 1}",
                    )
                seen.add(name)
                cursect = sections[name] = _Section(name, lineno)
                continue
        if cursect is None:
            if lineno == 0 and stripped.startswith("\ufeff"):
                raise ConfigError("the file starts with a byte-order mark, which botocore cannot read",
                                  hint="save it as UTF-8 without BOM", where=f"{where}:1")
            raise ConfigError("a line comes before any [section] header",
                              hint="start the file with a header such as [default]", where=f"{where}:{lineno + 1}")
        # configparser's OPTCRE: the option ends at the first '=' or ':'.
        eq, colon = stripped.find("="), stripped.find(":")
        cut = eq if colon < 0 or 0 <= eq < colon else colon
        key = stripped[:cut].rstrip().lower() if cut >= 0 else ""
        if not key:
            raise ConfigError("expected 'key = value'" if cut < 0 else "a key is missing before the '='",
                              hint="every line of a section is 'key = value', a comment or a continuation",
                              where=f"{where}:{lineno + 1}")
        if (cursect.name, key) in seen:
            raise ConfigError(f"key '{key}' appears twice in [{cursect.name}]",
                              hint="botocore rejects duplicate keys; keep one", where=f"{where}:{lineno + 1}")
        seen.add((cursect.name, key))
        # Interned: the same few key strings then repeat by reference in the index (smaller, faster to load).
        key = sys.intern(key)
        cursect.options[key] = [stripped[cut + 1:].strip()]
        optname = key
        if track:
            cursect.option_lines[key] = [lineno, lineno]
            cursect.last_line = lineno
    if track:
        # Trailing comments and blank lines belong to the section they follow, up to the next header.
        next_header = dict(zip(headers, [*headers[1:], len(lines)][:len(headers)], strict=True))
        for section in sections.values():
            section.last_line = next_header[section.header_line] - 1
    joined_defaults = {k: "\n".join(v).rstrip() for k, v in defaults.options.items()}
    return sections, joined_defaults, headers


def _section_values(section: _Section, defaults: dict[str, str], where: str) -> dict[str, str]:
    """Join continuation lines like configparser and check nested blocks like botocore's ``_parse_nested``."""
    values = dict(defaults)
    for key, parts in section.options.items():
        value = "\n".join(parts).rstrip()
        if value.startswith("\n"):
            for sub in value.split("\n"):
                if sub.strip() and "=" not in sub:
                    raise ConfigError(f"'{sub.strip()}' in the nested block '{key}' of [{section.name}] has no '='",
                                      hint="nested lines are 'key = value'", where=where)
        values[key] = value
    return values


def _read_text(path: str) -> str | None:
    """The file's text, or None when it does not exist (botocore ignores missing files)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return None  # botocore: os.path.isfile() is false -> ignored
    except UnicodeDecodeError as exc:
        raise ConfigError("the file is not valid UTF-8", hint=str(exc.reason), where=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", where=path) from None


def _profile_section_name(header: str) -> str | None:
    """botocore's ``_parse_section``: ``profile x`` -> ``x`` (shell-style quoting allowed), else None."""
    import shlex  # slow path only

    try:
        parts = shlex.split(header)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None


class _ParsedFile:
    """Profiles (and sso-sessions) of one file, with where each profile's secret values are written."""

    __slots__ = ("profiles", "sso_sessions", "secret_lines", "defaults_secret")

    def __init__(self) -> None:
        self.profiles: dict[str, dict[str, str]] = {}
        self.sso_sessions: dict[str, dict[str, str]] = {}
        self.secret_lines: dict[str, list[tuple[str, int, int]]] = {}  # profile -> (key, first, last line)
        self.defaults_secret = False


def _parse_file(path: str, *, is_config: bool) -> _ParsedFile:
    """Parse a config file (botocore's ``load_config`` mapping) or a credentials file (every section is a
    profile named as written). A missing file is empty."""
    parsed = _ParsedFile()
    text = _read_text(path)
    if text is None:
        return parsed
    sections, defaults, _headers = _parse_ini(text, path, track=True)
    parsed.defaults_secret = bool(SECRET_KEYS.intersection(defaults))
    for header, section in sections.items():
        values = _section_values(section, defaults, f"{path}: [{header}]")
        target: dict[str, dict[str, str]] | None = parsed.profiles
        name: str | None = header
        if is_config:
            if header.startswith("profile"):
                name = _profile_section_name(header)
            elif header.startswith("sso-session"):
                name, target = _profile_section_name(header), parsed.sso_sessions
            elif header != "default":
                name = None  # services, plugins, preview...: not profiles
        if name is None:
            continue
        target[name] = values  # a later section with the same profile name wins, as in botocore
        if target is parsed.profiles:
            parsed.secret_lines[name] = [(key, *span) for key, span in section.option_lines.items()
                                         if key in SECRET_KEYS]
    return parsed


def _option_value(lines: list[str], first: int, last: int) -> str:
    """The value of the option written on ``lines[first..last]``, joined exactly as ``_parse_ini`` joins it."""
    head = lines[first].strip()
    eq, colon = head.find("="), head.find(":")
    cut = eq if colon < 0 or 0 <= eq < colon else colon
    parts = [head[cut + 1:].strip()]
    for line in lines[first + 1:last + 1]:
        stripped = line.strip()
        if not stripped:
            parts.append("")
        elif stripped[0] not in "#;":
            parts.append(stripped)
    return "\n".join(parts).rstrip()


def _merge(config: dict[str, dict[str, str]], creds: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """botocore's ``Session.full_config``: credentials profiles added, their keys winning."""
    merged = {name: dict(values) for name, values in config.items()}
    for name, values in creds.items():
        merged.setdefault(name, {}).update(values)
    return merged


# --------------------------------------------------------------------------------------------------------
# Profile kinds
# --------------------------------------------------------------------------------------------------------


def profile_kind(values: dict[str, str]) -> ProfileKind:
    """How botocore's credential chain would get credentials for a profile with these keys.

    The order mirrors botocore: assume-role (role_arn without a token file), web identity, SSO, static keys,
    credential_process. A profile with only ``sso_session`` (used by ``aws sso login``) is OTHER.
    """
    if "role_arn" in values:
        return ProfileKind.WEB_IDENTITY if "web_identity_token_file" in values else ProfileKind.ROLE
    if ("sso_session" in values or "sso_start_url" in values) and "sso_account_id" in values \
            and "sso_role_name" in values:
        return ProfileKind.SSO
    if "aws_access_key_id" in values:
        return ProfileKind.STATIC
    if "credential_process" in values:
        return ProfileKind.PROCESS
    return ProfileKind.OTHER


_KINDS = {str(kind): kind for kind in ProfileKind}
_new = object.__new__
_SEP = "\0"  # separates keys and values in the index's packed form (a NUL never occurs in a real config)


def _make_profile(name: str, kind: str, values: dict[str, str]) -> AwsProfile:
    # Equivalent to AwsProfile(name, ProfileKind(kind), values) at a fifth of the cost: the frozen dataclass
    # __init__ (object.__setattr__ per field) and Enum lookup dominate when loading 5,000 profiles.
    profile = _new(AwsProfile)
    profile.__dict__.update(name=name, kind=_KINDS[kind], values=values)
    return profile


class _IndexedProfile(AwsProfile):
    """An AwsProfile read from the index: ``values`` is decoded from its packed form on first use.

    Listing 5,000 profiles then costs one small unmarshal instead of 5,000 dicts. It behaves as an
    AwsProfile in every way (fields, properties, equality with a plain AwsProfile, ``dataclasses.replace``).
    """

    @property  # type: ignore[override]
    def values(self) -> dict[str, str]:
        state = self.__dict__
        values = state.get("_values")
        if values is None:
            packed = state.pop("_packed", "")
            if isinstance(packed, str):
                parts = iter(packed.split(_SEP)) if packed else iter(())
                values = dict(zip(parts, parts, strict=True))
            else:
                values = packed
            secrets = state.pop("_secrets", None)
            if secrets:
                values.update(secrets)
            state["_values"] = values
        return values

    @values.setter
    def values(self, value: dict[str, str]) -> None:  # used by the dataclass __init__ (replace())
        self.__dict__["_values"] = value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AwsProfile):
            return (self.name, self.kind, self.values) == (other.name, other.kind, other.values)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like AwsProfile: it holds a dict

    def __repr__(self) -> str:  # the dataclass repr, under the public class name (values stay hidden)
        return f"AwsProfile(name={self.name!r}, kind={self.kind!r})"


def _pack(values: dict[str, str]) -> str | dict[str, str]:
    flat = [item for pair in values.items() for item in pair]
    if any(_SEP in item for item in flat):
        return values  # marshal stores the dict as is
    return _SEP.join(flat)


# --------------------------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------------------------


def _stat_sig(path: str) -> tuple[object, ...]:
    try:
        st = os.stat(path)
    except OSError:
        return (path, None)
    return (path, st.st_mtime_ns, st.st_size, st.st_ino)


def _index_path(config_path: str, credentials_path: str) -> str:
    digest = sha256(f"{config_path}\0{credentials_path}".encode()).hexdigest()[:20]
    return os.path.join(paths.cache_dir(), f"index-{digest}.marshal")


def _resolve_paths(config_path: str | None, credentials_path: str | None) -> tuple[str, str]:
    config = os.path.abspath(os.path.expanduser(config_path or paths.aws_config_file()))
    creds = os.path.abspath(os.path.expanduser(credentials_path or paths.aws_credentials_file()))
    return config, creds


def _index_header(sigs: tuple[object, ...]) -> tuple[object, ...]:
    # marshal's format is tied to the interpreter: an index written by another Python is simply rebuilt.
    return (_INDEX_VERSION, sys.version_info[:2], marshal.version, sigs)


def _read_index(index_path: str, sigs: tuple[object, ...]) -> dict | None:
    try:
        with open(index_path, "rb") as handle:
            data = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("header") != _index_header(sigs):
        return None
    return data


def _write_index(index_path: str, data: dict) -> None:
    """Best effort: a read-only or full cache folder only costs speed, never correctness."""
    from roleswitch.core.fileio import atomic_write, ensure_private_dir

    try:
        ensure_private_dir(os.path.dirname(index_path))
        atomic_write(index_path, marshal.dumps(data))
    except (OSError, ValueError):
        pass


def _build_index(config_path: str, credentials_path: str, sigs: tuple[object, ...]
                 ) -> tuple[dict, dict[str, AwsProfile]]:
    """The slow path: parse both files. Returns (index without secrets, profiles)."""
    config = _parse_file(config_path, is_config=True)
    creds = _parse_file(credentials_path, is_config=False)
    merged = _merge(config.profiles, creds.profiles)
    entries = {}
    profiles = {}
    for name, values in merged.items():
        kind = str(profile_kind(values))
        entries[name] = (kind, _pack({k: v for k, v in values.items() if k not in SECRET_KEYS}))
        profiles[name] = _make_profile(name, kind, values)
    index = {
        "header": _index_header(sigs), "profiles": entries, "sso_sessions": config.sso_sessions,
        # Where the secret values are written (profile, key, first and last line), in precedence order
        # (config, then credentials), so the fast path reads them from the file instead of from a copy.
        # A [DEFAULT] holding secrets spreads them over every section: then secrets need a full parse.
        "secrets": [(path, [(name, *where) for name, lines in parsed.secret_lines.items() for where in lines])
                    for path, parsed in ((config_path, config), (credentials_path, creds))],
        "full": config.defaults_secret or creds.defaults_secret,
    }
    return index, profiles


def _read_secrets(index: dict) -> dict[str, dict[str, str]]:
    """Secret values per profile, read from the lines the index recorded."""
    secrets: dict[str, dict[str, str]] = {}
    for path, spots in index["secrets"]:
        if not spots:
            continue
        text = _read_text(path) or ""
        lines = _split_lines(text)
        for name, key, first, last in spots:
            secrets.setdefault(name, {})[key] = _option_value(lines, first, last)
    return secrets


def _load(config_path: str | None, credentials_path: str | None,
          *, with_secrets: bool = True) -> tuple[dict, dict[str, AwsProfile] | None]:
    """(index, profiles or None when ``with_secrets`` is false). The index is rebuilt when a file changed."""
    # No cyclic GC passes over the thousands of (acyclic) objects built here; see catalogue.load_catalogue.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _load_unpaused(config_path, credentials_path, with_secrets=with_secrets)
    finally:
        if paused:
            gc.enable()


def _load_unpaused(config_path: str | None, credentials_path: str | None,
                   *, with_secrets: bool = True) -> tuple[dict, dict[str, AwsProfile] | None]:
    config, creds = _resolve_paths(config_path, credentials_path)
    sigs = (_stat_sig(config), _stat_sig(creds))
    index_path = _index_path(config, creds)
    index = _read_index(index_path, sigs)
    if index is not None and not (with_secrets and index["full"]):
        if not with_secrets:
            return index, None
        secrets = _read_secrets(index)
        # The recorded line numbers are only valid for the exact files the index describes.
        if (_stat_sig(config), _stat_sig(creds)) == sigs:
            # Inlined (no helper call per profile): this loop is most of the warm path.
            get, new, cls, kinds = secrets.get, _new, _IndexedProfile, _KINDS
            profiles: dict[str, AwsProfile] = {}
            for name, (kind, packed) in index["profiles"].items():
                profile = profiles[name] = new(cls)
                profile.__dict__.update(name=name, kind=kinds[kind], _packed=packed, _secrets=get(name))
            return index, profiles
    index, built = _build_index(config, creds, sigs)
    # Only cache what was read from files that did not change while we read them.
    if (_stat_sig(config), _stat_sig(creds)) == sigs:
        _write_index(index_path, index)
    return index, built


def load_profiles(config_path: str | None = None, credentials_path: str | None = None) -> dict[str, AwsProfile]:
    """Every profile of the AWS config and credentials files, typed, merged as botocore merges them.

    Paths default to AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (then ``~/.aws/...``); missing files are
    empty. Nested sub-sections (``s3 =`` + indented lines) are kept as their raw text (starting with a
    newline). Raises ConfigError (file and line) for text botocore would reject.
    """
    profiles = _load(config_path, credentials_path)[1]
    assert profiles is not None
    return profiles


def load_sso_sessions(config_path: str | None = None) -> dict[str, dict[str, str]]:
    """The ``[sso-session x]`` sections of the config file: name -> keys (e.g. sso_start_url, sso_region)."""
    return _load(config_path, None, with_secrets=False)[0]["sso_sessions"]


def profile_names(config_path: str | None = None, credentials_path: str | None = None) -> list[str]:
    """Profile names only (no secrets read): the cheapest listing, for shell completion."""
    return list(_load(config_path, credentials_path, with_secrets=False)[0]["profiles"])


def config_fingerprint(config_path: str | None = None, credentials_path: str | None = None,
                       settings_path: str | None = None) -> str:
    """A short digest that changes whenever any of the three files changes (``os.stat`` only, no reads)."""
    config, creds = _resolve_paths(config_path, credentials_path)
    settings = os.path.abspath(os.path.expanduser(settings_path or paths.config_file()))
    sigs = [_stat_sig(config), _stat_sig(creds), _stat_sig(settings)]
    import json

    return sha256(json.dumps(sigs).encode()).hexdigest()[:16]


def default_profile_name() -> str:
    """The profile the AWS tools use when none is named: AWS_PROFILE, AWS_DEFAULT_PROFILE, else ``default``."""
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"


# --------------------------------------------------------------------------------------------------------
# Writing a credentials profile
# --------------------------------------------------------------------------------------------------------

_MANAGED_ORDER = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token",
                  "x_security_token_expires", "region")


def _render_profile_lines(creds: Credentials, region: str | None) -> dict[str, str | None]:
    """The keys roleswitch owns in a written profile; None means "remove the key"."""
    return {
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token,
        # botocore reads aws_security_token as a legacy alias of the token: a stale one must not survive.
        "aws_security_token": None,
        # The name aws-vault and others use for the expiry; botocore ignores it, humans and tools read it.
        "x_security_token_expires": format_time(creds.expiration) if creds.expiration else None,
        "region": region,  # None here means "leave region as it is" (handled below)
    }


def _check_value(key: str, value: str) -> None:
    if any(ch in value for ch in "\r\n") or value != value.strip() or not value:
        raise ConfigError(f"refusing to write {key}: the value is empty or has line breaks or edge spaces",
                          hint="credentials values are single-line tokens")


def write_credentials_profile(path: str, name: str, creds: Credentials, *, region: str | None = None,
                              force: bool = False) -> None:
    """Write ``creds`` as profile ``[name]`` of the credentials file at ``path``.

    Every other section, comment, key and byte of the file stays as it was; inside ``[name]`` only the
    credential keys (and ``region`` when given) change. Atomic, 0600, under ``path + ".lock"``.
    Raises ConfigError when the file cannot be parsed (it is then left alone), when ``[name]`` holds
    long-term keys (no session token) and ``force`` is false, or when a value cannot be written safely.
    """
    from roleswitch.core.fileio import atomic_write, ensure_private_dir, file_lock

    if not name or name != name.strip() or any(ch in name for ch in "[]\r\n") or name == _DEFAULT_SECTION:
        raise ConfigError(f"'{name}' cannot be a profile name in a credentials file",
                          hint="use letters, digits and . _ - @ + =", where=path)
    wanted = _render_profile_lines(creds, region)
    for key, value in wanted.items():
        if value is not None:
            _check_value(key, value)
    path = os.path.expanduser(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        ensure_private_dir(folder)
    with file_lock(path + ".lock"):
        raw = b""
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            pass
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("the file is not valid UTF-8; not touching it", where=path) from None
        new_text = _rewrite(text, name, wanted, region is not None, force, path)
        atomic_write(path, new_text.encode("utf-8"), mode=0o600)


def _rewrite(text: str, name: str, wanted: dict[str, str | None], set_region: bool, force: bool,
             where: str) -> str:
    """``text`` with section ``[name]`` updated or appended; nothing else changes."""
    newline = "\r\n" if "\r\n" in text else "\n"
    sections, _defaults, _headers = _parse_ini(text, where, track=True)
    if not set_region:
        wanted = {k: v for k, v in wanted.items() if k != "region"}
    # Lines with their own endings, so untouched lines are copied byte for byte. Not str.splitlines: it also
    # splits on \x0b, \x1c, \u2028..., and line numbers must agree with _parse_ini's.
    lines = _split_keepends(text)
    section = sections.get(name)
    if section is None:
        block = [f"[{name}]{newline}"] + [f"{k} = {v}{newline}" for k, v in wanted.items() if v is not None]
        prefix = text
        if prefix and not prefix.endswith(("\n", "\r")):
            prefix += newline
        if prefix.strip():
            prefix += newline if not prefix.endswith(newline * 2) else ""
        return prefix + "".join(block)
    existing = {k: "\n".join(v).strip() for k, v in section.options.items()}
    if existing.get("aws_access_key_id") and not (existing.get("aws_session_token")
                                                  or existing.get("aws_security_token")) and not force:
        raise ConfigError(f"profile [{name}] holds long-term access keys; not overwriting them",
                          hint="pick another profile name or pass --force", where=where)
    replace: dict[int, str | None] = {}  # line number -> new line (None = drop)
    for key, value in wanted.items():
        span = section.option_lines.get(key)
        if span is None:
            continue
        first, last = span
        replace[first] = None if value is None else f"{key} = {value}{_ending(lines[first], newline)}"
        for lineno in range(first + 1, last + 1):
            replace[lineno] = None
    missing = [f"{k} = {v}{newline}" for k, v in wanted.items() if v is not None and k not in section.option_lines]
    # New keys go right after the section's last key line (before trailing comments/blank lines).
    key_lines = [span[1] for span in section.option_lines.values()]
    anchor = max(key_lines) if key_lines else section.header_line
    out: list[str] = []
    for lineno, line in enumerate(lines):
        new = replace[lineno] if lineno in replace else line
        if new is not None:
            if lineno == anchor and missing and not new.endswith(("\n", "\r")):
                new += newline
            out.append(new)
        if lineno == anchor and missing:
            out.extend(missing)
    return "".join(out)


def _split_keepends(text: str) -> list[str]:
    """Split after \\r\\n, \\n or lone \\r (the universal newlines configparser sees), keeping the endings."""
    lines: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n" or ch == "\r":
            end = i + 2 if ch == "\r" and i + 1 < n and text[i + 1] == "\n" else i + 1
            lines.append(text[start:end])
            start = i = end
            continue
        i += 1
    if start < n:
        lines.append(text[start:])
    return lines


def _ending(line: str, default: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return default
