"""roleswitch's own configuration: a TOML file read with tomllib, written with tomli-w, validated strictly.

The file (``paths.config_file()``: ROLESWITCH_CONFIG or ``<user config dir>/roleswitch/config.toml``)
describes accounts, roles, favorites, defaults, the theme and key bindings::

    theme = "roleswitch-dark"
    favorites = ["prod-admin"]

    [defaults]
    region = "eu-west-1"
    duration_seconds = 3600

    [accounts.acme-prod]
    id = "111111111111"
    environment = "prod"
    colour = "red"

    [roles.prod-admin]
    account = "acme-prod"
    role_name = "Admin"
    source_profile = "acme-user"
    mfa_serial = "arn:aws:iam::222222222222:mfa/alice"
    tags = { team = "sre" }
    transitive_tags = ["team"]
    reason_required = true

    [roles.corp-saml]                       # AssumeRoleWithSAML (kind "saml")
    role_arn = "arn:aws:iam::111111111111:role/Engineer"
    saml_provider_arn = "arn:aws:iam::111111111111:saml-provider/Okta"
    saml_assertion_command = "my-idp-login --print-saml"   # or saml_assertion_file, or --saml-assertion-file

    [roles.proxy-readonly]                  # GetFederationToken (kind "federation")
    federation_name = "alice-proxy"
    source_profile = "acme-user"            # an IAM user's long-term keys
    policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]   # without a session policy: no permissions
    duration_seconds = 129600

    [keymap]
    assume = "ctrl+a"

Every unknown key or bad value is a ConfigError whose ``where`` is ``"<file>: roles.prod-admin.duration_seconds"``
and whose message says what is allowed. A missing file means defaults and no roles.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from roleswitch.core import paths
from roleswitch.core.errors import ConfigError, ValidationError
from roleswitch.core.lazy import LazyPattern
from roleswitch.core.model import Account

__all__ = [
    "CREDENTIAL_SOURCES",
    "Defaults",
    "RoleSettings",
    "Settings",
    "add_favorite",
    "load_settings",
    "remove_favorite",
    "save_settings",
    "settings_to_toml",
]

CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")

MIN_DURATION, MAX_DURATION = 900, 43200
MIN_MFA_SESSION, MAX_MFA_SESSION = 900, 129600  # GetSessionToken for an IAM user
MAX_FEDERATION_DURATION = 129600  # GetFederationToken with IAM user keys (36 h)

_NAME_RE = LazyPattern(r"[A-Za-z0-9][A-Za-z0-9._@+=-]{0,63}")
_NAME_RULE = "1..64 of letters, digits and . _ @ + = - (starting with a letter or digit)"
_ACCOUNT_ID_RE = LazyPattern(r"\d{12}")
_REGION_RE = LazyPattern(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_COLOUR_RE = LazyPattern(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})|[A-Za-z][A-Za-z0-9_]{0,31}")


@dataclass(frozen=True)
class Defaults:
    """Defaults applied when a role or the command line does not say otherwise."""

    region: str | None = None
    duration_seconds: int | None = None
    refresh_margin_seconds: int = 300
    source_identity: bool = False
    mfa_session_seconds: int = 43200
    audit: bool = True
    session_name: str | None = None  # None: "<user>@<host>", sanitised


@dataclass(frozen=True)
class RoleSettings:
    """One ``[roles.<name>]`` table, validated. ``role_arn`` is always resolved (from role_name + account),
    except for a federation entry (``federation_name``), which assumes no role and has none.

    ``kind`` is ``"role"``, ``"web_identity"``, ``"saml"`` (``saml_provider_arn``) or ``"federation"``
    (``federation_name``), inferred from the keys present.
    """

    name: str
    role_arn: str | None
    account: str | None = None  # the account alias (or id) as written
    role_name: str | None = None
    source_profile: str | None = None
    credential_source: str | None = None
    mfa_serial: str | None = None
    external_id: str | None = field(default=None, repr=False)
    duration_seconds: int | None = None
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tags: tuple[str, ...] = ()
    policy_arns: tuple[str, ...] = ()
    policy_file: str | None = None
    region: str | None = None
    reason_required: bool = False
    description: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    web_identity_token_file: str | None = None
    saml_provider_arn: str | None = None
    saml_assertion_file: str | None = None
    saml_assertion_command: str | None = None
    federation_name: str | None = None
    kind: str = "role"


@dataclass(frozen=True)
class Settings:
    """The whole config file. ``accounts`` is keyed by alias; ``path`` is the file it came from."""

    accounts: dict[str, Account] = field(default_factory=dict)
    roles: dict[str, RoleSettings] = field(default_factory=dict)
    favorites: tuple[str, ...] = ()
    defaults: Defaults = field(default_factory=Defaults)
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    path: str = ""

    def account_for(self, key: str | None) -> Account | None:
        """The account with this alias or id, if configured."""
        if not key:
            return None
        if key in self.accounts:
            return self.accounts[key]
        for account in self.accounts.values():
            if account.id == key:
                return account
        return None


# --------------------------------------------------------------------------------------------------------
# Validation helpers: each takes (value, where) and returns the clean value or raises ConfigError.
# --------------------------------------------------------------------------------------------------------

Check = Callable[[Any, str], Any]


def _fail(where: str, message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(message, hint=hint, where=where)


def _type_name(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"expected a string, got {_type_name(value)}")
    if not value.strip():
        raise _fail(where, "must not be empty")
    return value


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"expected true or false, got {_type_name(value)}")
    return value


def _int_range(low: int, high: int, unit: str = "") -> Check:
    def check(value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(where, f"expected an integer, got {_type_name(value)}", f"allowed: {low}..{high}{unit}")
        if not low <= value <= high:
            raise _fail(where, f"{value} is out of range", f"allowed: {low}..{high}{unit}")
        return value
    return check


def _pattern(regex: re.Pattern[str] | LazyPattern, rule: str) -> Check:
    def check(value: Any, where: str) -> str:
        text = _text(value, where)
        if not regex.fullmatch(text):
            raise _fail(where, f"{text!r} is not valid", f"allowed: {rule}")
        return text
    return check


def _limit(validator_name: str) -> Check:
    """Check with core.limits' AWS validator (it names the AWS limit)."""
    def check(value: Any, where: str) -> Any:
        from roleswitch.core import limits

        text = _text(value, where)
        try:
            getattr(limits, validator_name)(text, where=where)
        except ValidationError as exc:
            raise ConfigError(exc.message, hint=exc.hint, where=where) from None
        return text
    return check


def _duration(value: Any, where: str) -> int:
    return _int_range(MIN_DURATION, MAX_DURATION, " seconds (15 min..12 h)")(value, where)


def _string_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(where, f"expected an array of strings, got {_type_name(value)}")
    return tuple(_text(item, f"{where}[{i}]") for i, item in enumerate(value))


def _string_table(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a table of strings (e.g. {{ team = \"sre\" }}), got {_type_name(value)}")
    out = []
    for key, item in value.items():
        if not isinstance(item, str):
            raise _fail(f"{where}.{key}", f"expected a string, got {_type_name(item)}")
        out.append((key, item))
    return tuple(out)


def _policy_arns(value: Any, where: str) -> tuple[str, ...]:
    from roleswitch.core import limits

    arns = _string_list(value, where)
    try:
        return tuple(limits.validate_policy_arns(list(arns), where=where))
    except ValidationError as exc:
        raise ConfigError(exc.message, hint=exc.hint, where=where) from None


def _command(value: Any, where: str) -> str:
    import shlex

    text = _text(value, where)
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise _fail(where, f"not a valid command line ({exc})",
                    "it is split like a shell would (shlex) but run without one: quote arguments with spaces") \
            from None
    if not argv:
        raise _fail(where, "must not be empty")
    return text


def _credential_source(value: Any, where: str) -> str:
    text = _text(value, where)
    if text not in CREDENTIAL_SOURCES:
        raise _fail(where, f"{text!r} is not a credential source", f"allowed: {', '.join(CREDENTIAL_SOURCES)}")
    return text


def _account_id(value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise _fail(where, "the account id must be a quoted string (a number loses leading zeros)",
                    'e.g. id = "012345678901"')
    return _pattern(_ACCOUNT_ID_RE, "12 digits")(value, where)


def _region(value: Any, where: str) -> str:
    return _pattern(_REGION_RE, "an AWS region such as eu-west-1")(value, where)


def _colour(value: Any, where: str) -> str:
    return _pattern(_COLOUR_RE, "a colour name (red, green, dark_orange...) or #rgb / #rrggbb")(value, where)


def _path(value: Any, where: str) -> str:
    return os.path.expanduser(_text(value, where))


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a table, got {_type_name(value)}")
    return value


def _fields(data: dict[str, Any], schema: dict[str, Check], where: str) -> dict[str, Any]:
    """Check every key of ``data`` against ``schema``; unknown keys are errors listing the allowed ones."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        check = schema.get(key)
        if check is None:
            raise _fail(f"{where}.{key}" if where else key, f"unknown key '{key}'",
                        f"allowed: {', '.join(schema)}")
        out[key] = check(value, f"{where}.{key}" if where else key)
    return out


_DEFAULTS_SCHEMA: dict[str, Check] = {
    "region": _region,
    "duration_seconds": _duration,
    "refresh_margin_seconds": _int_range(0, 3600, " seconds"),
    "source_identity": _boolean,
    "mfa_session_seconds": _int_range(MIN_MFA_SESSION, MAX_MFA_SESSION, " seconds"),
    "audit": _boolean,
    "session_name": _text,
}

_ACCOUNT_SCHEMA: dict[str, Check] = {"id": _account_id, "environment": _text, "colour": _colour}

_ROLE_SCHEMA: dict[str, Check] = {
    "account": _text,
    "role_name": _text,
    "role_arn": _limit("validate_role_arn"),
    "source_profile": _text,
    "credential_source": _credential_source,
    "mfa_serial": _limit("validate_mfa_serial"),
    "external_id": _limit("validate_external_id"),
    "duration_seconds": _duration,
    "tags": _string_table,
    "transitive_tags": _string_list,
    "policy_arns": _policy_arns,
    "policy_file": _path,
    "region": _region,
    "reason_required": _boolean,
    "description": _text,
    "session_name": _limit("validate_session_name"),
    "source_identity": _limit("validate_source_identity"),
    "web_identity_token_file": _path,
    "saml_provider_arn": _limit("validate_principal_arn"),
    "saml_assertion_file": _path,
    "saml_assertion_command": _command,
    "federation_name": _limit("validate_federation_name"),
}

# A federation session may last up to 36 h (GetFederationToken with IAM user keys), a role session 12 h.
_FEDERATION_SCHEMA: dict[str, Check] = {
    **_ROLE_SCHEMA,
    "duration_seconds": _int_range(MIN_DURATION, MAX_FEDERATION_DURATION,
                                   " seconds (15 min..36 h, GetFederationToken with IAM user keys)"),
}

_SAML_KEYS = ("saml_provider_arn", "saml_assertion_file", "saml_assertion_command")
_NO_SOURCE = "AssumeRoleWithSAML needs no source credentials: the assertion is the credential"
_FROM_ASSERTION = "with SAML it comes from the IdP's assertion"
# Keys that make no sense for a kind, and why (a clearer error than "unknown key").
_NOT_FOR: dict[str, dict[str, str]] = {
    "saml": {
        "source_profile": _NO_SOURCE,
        "credential_source": _NO_SOURCE,
        "mfa_serial": "MFA happens at the identity provider, not in the STS call",
        "external_id": "AssumeRoleWithSAML takes no External ID",
        "tags": f"session tags: {_FROM_ASSERTION} (PrincipalTag attributes)",
        "transitive_tags": f"transitive tags: {_FROM_ASSERTION} (TransitiveTagKeys attribute)",
        "session_name": f"the RoleSessionName: {_FROM_ASSERTION}",
        "source_identity": f"SourceIdentity: {_FROM_ASSERTION}",
        "web_identity_token_file": "a role is reached with SAML or with a web identity token, not both",
        "federation_name": "an entry is a SAML role (saml_provider_arn) or a federation (federation_name)",
        "reason_required": "the reason travels as a session tag, which AssumeRoleWithSAML cannot send",
    },
    "federation": {
        "role_arn": "GetFederationToken assumes no role: the session is the IAM user's, cut down by the "
                    "session policy",
        "role_name": "GetFederationToken assumes no role: the session is the IAM user's, cut down by the "
                     "session policy",
        "credential_source": "GetFederationToken needs an IAM user's long-term keys: use source_profile",
        "mfa_serial": "GetFederationToken takes no MFA code and cannot be called with an MFA session",
        "external_id": "GetFederationToken takes no External ID",
        "transitive_tags": "federated sessions cannot assume roles, so tags cannot be transitive",
        "session_name": "the federated user's name is federation_name",
        "source_identity": "GetFederationToken takes no SourceIdentity",
        "web_identity_token_file": "a federation entry uses an IAM user's keys, not a web identity token",
    },
}

_TOP_SCHEMA = ("theme", "favorites", "defaults", "accounts", "roles", "keymap")


def _name(key: str, where: str, what: str) -> str:
    if not _NAME_RE.fullmatch(key):
        raise _fail(where, f"{what} name {key!r} is not usable on the command line", f"allowed: {_NAME_RULE}")
    return key


def _kind(data: dict[str, Any]) -> str:
    if any(key in data for key in _SAML_KEYS):
        return "saml"
    if "federation_name" in data:
        return "federation"
    return "web_identity" if "web_identity_token_file" in data else "role"


def _role(name: str, data: dict[str, Any], accounts: dict[str, Account], where: str) -> RoleSettings:
    kind = _kind(data)
    not_for = _NOT_FOR.get(kind, {})
    for key in data:
        if key in not_for:
            what = "a SAML role" if kind == "saml" else "a federation entry"
            raise _fail(f"{where}.{key}", f"'{key}' does not apply to {what}", not_for[key])
    values = _fields(data, _FEDERATION_SCHEMA if kind == "federation" else _ROLE_SCHEMA, where)
    account_key = values.get("account")
    account_id: str | None = None
    if account_key is not None:
        if account_key in accounts:
            account_id = accounts[account_key].id
        elif _ACCOUNT_ID_RE.fullmatch(account_key):
            account_id = account_key
        else:
            known = ", ".join(accounts) or "none configured"
            raise _fail(f"{where}.account", f"unknown account {account_key!r}",
                        f"allowed: an alias from [accounts] ({known}) or a 12-digit account id")
    if kind == "federation":
        return _federation(name, values, where)
    role_arn = values.get("role_arn")
    role_name = values.get("role_name")
    if role_arn and role_name:
        raise _fail(where, "role_arn and role_name are both set", "set one: role_arn, or role_name with account")
    if role_name:
        if account_id is None:
            raise _fail(f"{where}.role_name", "role_name needs an account to build the role ARN",
                        "add account = \"<alias or 12-digit id>\" or use role_arn")
        role_arn = f"arn:aws:iam::{account_id}:role/{role_name.strip('/')}"
        from roleswitch.core import limits

        try:
            limits.validate_role_arn(role_arn, where=f"{where}.role_name")
        except ValidationError as exc:
            raise ConfigError(f"role_name {role_name!r} does not make a valid role ARN",
                              hint="allowed: [path/]name of letters, digits and _+=,.@-",
                              where=f"{where}.role_name") from exc
    if not role_arn:
        raise _fail(where, "the role has no role_arn or role_name", "set role_arn, or role_name with account")
    arn_account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else None
    if account_id is not None and arn_account != account_id:
        raise _fail(f"{where}.role_arn", f"role_arn is in account {arn_account} but account is {account_key}"
                    f" ({account_id})", "make them agree or drop one")
    if values.get("source_profile") and values.get("credential_source"):
        raise _fail(where, "source_profile and credential_source are both set",
                    "set one: they are mutually exclusive (as in ~/.aws/config)")
    tags = values.get("tags", ())
    transitive = values.get("transitive_tags", ())
    from roleswitch.core import limits

    try:
        limits.validate_tags(list(tags), list(transitive), where=f"{where}.tags")
    except ValidationError as exc:
        raise ConfigError(exc.message, hint=exc.hint, where=exc.where or f"{where}.tags") from None
    if kind == "saml":
        if "saml_provider_arn" not in values:
            raise _fail(where, "a SAML role needs saml_provider_arn (the IAM SAML provider of your IdP)",
                        'e.g. saml_provider_arn = "arn:aws:iam::111111111111:saml-provider/Okta"')
        if "saml_assertion_file" in values and "saml_assertion_command" in values:
            raise _fail(where, "saml_assertion_file and saml_assertion_command are both set",
                        "set one (or neither, and pass --saml-assertion-file FILE)")
    values["role_arn"] = role_arn
    return RoleSettings(name=name, kind=kind, **values)


def _federation(name: str, values: dict[str, Any], where: str) -> RoleSettings:
    """A GetFederationToken entry: an IAM user's keys (source_profile) + name + session policy + tags."""
    if not values.get("source_profile"):
        raise _fail(where, "a federation entry needs source_profile",
                    "name the profile holding the IAM user's long-term keys that call GetFederationToken")
    from roleswitch.core import limits

    try:
        limits.validate_tags(list(values.get("tags", ())), [], where=f"{where}.tags")
    except ValidationError as exc:
        raise ConfigError(exc.message, hint=exc.hint, where=exc.where or f"{where}.tags") from None
    return RoleSettings(name=name, kind="federation", role_arn=None, **values)


def parse_settings(data: dict[str, Any], path: str) -> Settings:
    """Validate a TOML document (already parsed) into Settings. Raises ConfigError naming file and key."""

    def at(key: str) -> str:
        return f"{path}: {key}"

    for key in data:
        if key not in _TOP_SCHEMA:
            raise _fail(at(key), f"unknown key '{key}'", f"allowed: {', '.join(_TOP_SCHEMA)}")
    theme = _text(data["theme"], at("theme")) if "theme" in data else None
    favorites = _string_list(data.get("favorites", []), at("favorites"))
    for i, fav in enumerate(favorites):
        if fav in favorites[:i]:
            raise _fail(at(f"favorites[{i}]"), f"{fav!r} is listed twice")
    defaults = Defaults(**_fields(_table(data.get("defaults", {}), at("defaults")), _DEFAULTS_SCHEMA,
                                  at("defaults")))
    accounts: dict[str, Account] = {}
    seen_ids: dict[str, str] = {}
    for alias, table in _table(data.get("accounts", {}), at("accounts")).items():
        where = at(f"accounts.{alias}")
        _name(alias, where, "account")
        values = _fields(_table(table, where), _ACCOUNT_SCHEMA, where)
        if "id" not in values:
            raise _fail(where, "the account has no id", 'add id = "<12-digit account id>"')
        if values["id"] in seen_ids:
            raise _fail(f"{where}.id", f"account id {values['id']} is also [accounts.{seen_ids[values['id']]}]",
                        "one alias per account")
        seen_ids[values["id"]] = alias
        accounts[alias] = Account(id=values["id"], alias=alias, environment=values.get("environment"),
                                  colour=values.get("colour"))
    roles: dict[str, RoleSettings] = {}
    for name, table in _table(data.get("roles", {}), at("roles")).items():
        where = at(f"roles.{name}")
        _name(name, where, "role")
        roles[name] = _role(name, _table(table, where), accounts, where)
    keymap: dict[str, str] = {}
    for action, keys in _table(data.get("keymap", {}), at("keymap")).items():
        keymap[action] = _text(keys, at(f"keymap.{action}"))
    return Settings(accounts=accounts, roles=roles, favorites=favorites, defaults=defaults, theme=theme,
                    keymap=keymap, path=path)


def _settings_path(path: str | None) -> str:
    return os.path.expanduser(path) if path else paths.config_file()


def load_settings(path: str | None = None) -> Settings:
    """Read and validate the config file (default ``paths.config_file()``); a missing file gives defaults.

    Raises ConfigError for unreadable files, TOML syntax errors (with line) and invalid keys or values.
    """
    import tomllib

    path = _settings_path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return Settings(path=path)
    except IsADirectoryError:
        raise ConfigError("is a folder, not a file", hint="point ROLESWITCH_CONFIG at a TOML file",
                          where=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", where=path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("the file is not valid UTF-8", where=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", hint="see https://toml.io", where=path) from None
    return parse_settings(data, path)


def settings_to_toml(settings: Settings) -> dict[str, Any]:
    """The TOML document (a dict for tomli-w) describing ``settings``; defaults and empty values omitted."""
    doc: dict[str, Any] = {}
    if settings.theme is not None:
        doc["theme"] = settings.theme
    if settings.favorites:
        doc["favorites"] = list(settings.favorites)
    defaults = {key: getattr(settings.defaults, key) for key in _DEFAULTS_SCHEMA
                if getattr(settings.defaults, key) != getattr(Defaults(), key)}
    if defaults:
        doc["defaults"] = defaults
    if settings.accounts:
        doc["accounts"] = {
            alias: {k: v for k, v in (("id", a.id), ("environment", a.environment), ("colour", a.colour)) if v}
            for alias, a in settings.accounts.items()
        }
    if settings.roles:
        doc["roles"] = {name: _role_to_toml(role) for name, role in settings.roles.items()}
    if settings.keymap:
        doc["keymap"] = dict(settings.keymap)
    return doc


def _role_to_toml(role: RoleSettings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _ROLE_SCHEMA:
        value = getattr(role, key)
        if key == "role_arn" and role.role_name:
            continue  # derived from role_name + account
        if value is None or value == () or value is False:
            continue
        if key == "tags":
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


def save_settings(settings: Settings, path: str | None = None) -> None:
    """Write ``settings`` as TOML (tomli-w), atomically, 0600, under a lock. Comments are not kept.

    Raises OSError when the folder cannot be written.
    """
    import tomli_w

    _write(_settings_path(path or settings.path or None), tomli_w.dumps(settings_to_toml(settings)))


def _write(path: str, text: str) -> None:
    from roleswitch.core.fileio import atomic_write, ensure_private_dir, file_lock

    ensure_private_dir(os.path.dirname(os.path.abspath(path)))
    with file_lock(path + ".lock"):
        atomic_write(path, text.encode("utf-8"), mode=0o600)


def add_favorite(name: str, path: str | None = None) -> Settings:
    """Append ``name`` to ``favorites`` (no-op if present) and return the new Settings.

    Edits only the ``favorites = [...]`` line when it can (the user's comments and layout stay); otherwise
    rewrites the file. Raises ConfigError when the file is invalid (it is then left alone).
    """
    return _update_favorites(path, lambda favs: favs if name in favs else (*favs, name))


def remove_favorite(name: str, path: str | None = None) -> Settings:
    """Remove ``name`` from ``favorites`` (no-op if absent) and return the new Settings."""
    return _update_favorites(path, lambda favs: tuple(f for f in favs if f != name))


def set_theme(name: str, path: str | None = None) -> Settings:
    """Set the top-level ``theme = "NAME"`` and return the new Settings.

    Edits only the ``theme`` line (inserting one before the first table when there is none), so the user's
    comments, order and layout stay; a trailing ``# comment`` on that line stays too. Falls back to a full
    rewrite only when the file's layout is not that simple. Raises ConfigError when the file is invalid (it
    is then left alone) or ``name`` is empty.
    """
    import tomllib

    import tomli_w

    from roleswitch.core.fileio import atomic_write, ensure_private_dir, file_lock

    if not name or not name.strip() or "\n" in name:
        raise ConfigError("theme name is empty or has a line break", hint="give a theme name such as "
                          "roleswitch-dark", where="theme")
    path = _settings_path(path)
    ensure_private_dir(os.path.dirname(os.path.abspath(path)))
    with file_lock(path + ".lock"):
        settings = load_settings(path)
        if settings.theme == name:
            return settings
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            text = ""
        wanted = tomllib.loads(text)
        wanted["theme"] = name
        new_text = _edit_theme_line(text, tomli_w.dumps({"theme": name}).strip())
        # The surgical edit must mean exactly the intended document, or we fall back to a full rewrite.
        if new_text is None or tomllib.loads(new_text) != wanted:
            new_text = tomli_w.dumps(wanted)
        atomic_write(path, new_text.encode("utf-8"), mode=0o600)
    return replace(settings, theme=name)


_THEME_LINE = LazyPattern(r"^theme\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*')\s*(#.*)?$")


def _edit_theme_line(text: str, rendered: str) -> str | None:
    """``text`` with its top-level ``theme = ...`` line replaced by ``rendered`` (or ``rendered`` inserted
    before the first table); None when the layout is not that simple."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            lines.insert(i, rendered + "\n")  # top-level keys must come before the first table
            return "".join(lines)
        if re.match(r"theme\s*=", stripped):
            match = _THEME_LINE.match(stripped)
            if match is None:
                return None
            indent = line[:len(line) - len(line.lstrip())]
            comment = f"  {match.group(2)}" if match.group(2) else ""
            ending = line[len(line.rstrip("\r\n")):] or "\n"
            lines[i] = indent + rendered + comment + ending
            return "".join(lines)
    if text and not text.endswith("\n"):
        text += "\n"
    return text + rendered + "\n"


def _update_favorites(path: str | None, change: Callable[[tuple[str, ...]], tuple[str, ...]]) -> Settings:
    import tomllib

    import tomli_w

    from roleswitch.core.fileio import atomic_write, ensure_private_dir, file_lock

    path = _settings_path(path)
    ensure_private_dir(os.path.dirname(os.path.abspath(path)))
    with file_lock(path + ".lock"):
        settings = load_settings(path)
        favorites = change(settings.favorites)
        if favorites == settings.favorites:
            return settings
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            text = ""
        wanted = tomllib.loads(text)
        wanted["favorites"] = list(favorites)
        new_text = _edit_favorites_line(text, list(favorites))
        # The surgical edit must mean exactly the intended document, or we fall back to a full rewrite.
        if new_text is None or tomllib.loads(new_text) != wanted:
            new_text = tomli_w.dumps(wanted)
        atomic_write(path, new_text.encode("utf-8"), mode=0o600)
    return replace(settings, favorites=favorites)


_FAVORITES_LINE = LazyPattern(r"^favorites\s*=\s*\[.*\]\s*(#.*)?$")


def _edit_favorites_line(text: str, favorites: list[str]) -> str | None:
    """``text`` with its one-line top-level ``favorites = [...]`` replaced (or inserted before the first
    table); None when the layout is not that simple."""
    import tomli_w

    # One line (tomli-w would spread the array over several); each item quoted by tomli-w.
    items = [tomli_w.dumps({"k": name}).split("=", 1)[1].strip() for name in favorites]
    rendered = f"favorites = [{', '.join(items)}]\n"
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            lines.insert(i, rendered)  # top-level keys must come before the first table
            return "".join(lines)
        if stripped.startswith("favorites"):
            if not _FAVORITES_LINE.match(stripped):
                return None
            ending = line[len(line.rstrip("\r\n")):] or "\n"
            lines[i] = rendered.rstrip("\n") + ending
            return "".join(lines)
    if text and not text.endswith("\n"):
        text += "\n"
    return text + rendered
