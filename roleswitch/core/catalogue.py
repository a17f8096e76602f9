"""The catalogue: every role roleswitch can get credentials for, from ``~/.aws`` and from its own TOML.

Each entry is a :class:`~roleswitch.core.model.Role` with a stable name usable on the command line (the AWS
profile name, or the ``[roles.<name>]`` key). Favorites come first, in favorites order, then roles sorted by
account alias and name.
"""

from __future__ import annotations

import gc
import marshal
import os
import sys
from dataclasses import dataclass, field, fields

from roleswitch.core import awsconfig, paths
from roleswitch.core.errors import NotFoundError
from roleswitch.core.lazy import sha256
from roleswitch.core.model import Account, AwsProfile, ProfileKind, Role
from roleswitch.core.settings import RoleSettings, Settings, load_settings

__all__ = ["Catalogue", "load_catalogue", "role_fingerprint"]

# A role whose source credentials are themselves a role session: STS caps the chained session at 1 hour.
# SSO credentials are role sessions too (AWSReservedSSO_*), and so are web identity and SAML ones.
_ROLE_SESSION_KINDS = (ProfileKind.ROLE, ProfileKind.WEB_IDENTITY, ProfileKind.SSO, ProfileKind.SAML)
_SETTINGS_KINDS = {"role": ProfileKind.ROLE, "web_identity": ProfileKind.WEB_IDENTITY, "saml": ProfileKind.SAML,
                   "federation": ProfileKind.FEDERATION}
# Role fields added after cached sessions existed: left out of the fingerprint while unset, so that adding
# them did not invalidate every cached session.
_LATER_FIELDS = ("saml_provider_arn", "saml_assertion_file", "saml_assertion_command", "federation_name")


@dataclass(frozen=True)
class Catalogue:
    """Roles from both sources, the AWS profiles they came from, the settings and the sso-sessions.

    ``warnings`` lists harmless problems (e.g. a favorite that names no role) for the UI to show.
    """

    roles: tuple[Role, ...]
    profiles: dict[str, AwsProfile]
    settings: Settings
    sso_sessions: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {role.name: role for role in self.roles})

    def get(self, name: str) -> Role:
        """The role called ``name``. Raises NotFoundError with the closest names as a hint."""
        role = self._by_name.get(name)  # type: ignore[attr-defined]
        if role is not None:
            return role
        import difflib

        close = difflib.get_close_matches(name, list(self._by_name), n=3, cutoff=0.6)  # type: ignore[attr-defined]
        hint = f"did you mean {', '.join(close)}?" if close else "run `roleswitch list` to see the names"
        raise NotFoundError(f"no role or profile named {name!r}", hint=hint)

    def names(self) -> list[str]:
        """Every role name, in catalogue order."""
        return [role.name for role in self.roles]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]


def _int_or_none(value: str | None, where: str, warnings: list[str]) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        warnings.append(f"{where}: duration_seconds {value!r} is not a number; ignored")
        return None


class _Accounts:
    """Account objects by id: the configured ones, else one bare Account per id (shared, built once)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._by_id = {account.id: account for account in settings.accounts.values()}

    def __call__(self, account_id: str | None) -> Account | None:
        if not account_id:
            return None
        account = self._by_id.get(account_id)
        if account is None:
            account = self._by_id[account_id] = Account(id=account_id)
        return account


_ROLE_DEFAULTS = {f.name: f.default for f in fields(Role)}
_new = object.__new__


def _fast_role(**values: object) -> Role:
    # Same object as Role(**values) (Role has no __post_init__), built without the frozen __init__'s 22
    # object.__setattr__ calls: this runs for each of thousands of AWS profiles on every start.
    role = _new(Role)
    role.__dict__.update(_ROLE_DEFAULTS, **values)
    return role


def _arn_account(arn: str | None) -> str | None:
    if arn and arn.count(":") >= 5:
        return arn.split(":")[4] or None
    return None


def _from_profile(profile: AwsProfile, accounts: _Accounts, config_path: str, warnings: list[str]) -> Role:
    get = profile.values.get
    role_arn = get("role_arn")
    return _fast_role(
        name=profile.name,
        origin="aws",
        kind=profile.kind,
        role_arn=role_arn,
        account=accounts(_arn_account(role_arn) or get("sso_account_id")),
        source_profile=get("source_profile"),
        credential_source=get("credential_source"),
        mfa_serial=get("mfa_serial"),
        external_id=get("external_id"),
        duration_seconds=_int_or_none(get("duration_seconds"), f"{config_path}: [{profile.name}]", warnings),
        role_session_name=get("role_session_name"),
        region=get("region"),
        web_identity_token_file=get("web_identity_token_file"),
    )


def _from_settings(role: RoleSettings, accounts: _Accounts, settings: Settings) -> Role:
    kind = _SETTINGS_KINDS.get(getattr(role, "kind", "role"), ProfileKind.ROLE)
    if kind is ProfileKind.ROLE and role.web_identity_token_file:
        kind = ProfileKind.WEB_IDENTITY
    account_id = _arn_account(role.role_arn)
    if account_id is None and role.account:  # a federation entry: the account is only a label
        configured = settings.account_for(role.account)
        account_id = configured.id if configured else role.account
    return Role(
        name=role.name,
        origin="roleswitch",
        kind=kind,
        role_arn=role.role_arn,
        account=accounts(account_id),
        source_profile=role.source_profile,
        credential_source=role.credential_source,
        mfa_serial=role.mfa_serial,
        external_id=role.external_id,
        duration_seconds=role.duration_seconds,
        role_session_name=role.session_name,
        source_identity=role.source_identity,
        region=role.region,
        session_tags=role.tags,
        transitive_tag_keys=role.transitive_tags,
        policy_arns=role.policy_arns,
        policy_file=role.policy_file,
        reason_required=role.reason_required,
        web_identity_token_file=role.web_identity_token_file,
        description=role.description,
        saml_provider_arn=role.saml_provider_arn,
        saml_assertion_file=role.saml_assertion_file,
        saml_assertion_command=role.saml_assertion_command,
        federation_name=role.federation_name,
    )


def _with(role: Role, **changes: object) -> Role:
    # dataclasses.replace without re-running the frozen __init__ (see _fast_role).
    new = _new(Role)
    new.__dict__.update(role.__dict__, **changes)
    return new


# The built roles are cached next to the AWS profile index, keyed by the same file stamps plus the settings
# file's: building 5,000 roles costs ~100 ms, loading them back ~10 ms. Never holds a secret (no External
# ID: it is read back from the profile or the settings on load).
_CACHE_VERSION = 2
_ROW_FIELDS = tuple(f.name for f in fields(Role) if f.name not in ("account", "kind", "external_id"))
_KINDS = {str(kind): kind for kind in ProfileKind}


def _settings_file(settings_path: str | None) -> str:
    return os.path.abspath(os.path.expanduser(settings_path or paths.config_file()))


def _cache_path(key: str) -> str:
    digest = sha256(key.encode()).hexdigest()[:20]
    return os.path.join(paths.cache_dir(), f"catalogue-{digest}.marshal")


def _cache_header(sigs: tuple[object, ...]) -> tuple[object, ...]:
    return (_CACHE_VERSION, sys.version_info[:2], marshal.version, _ROW_FIELDS, sigs)


def _to_rows(roles: list[Role]) -> list[tuple[object, ...]]:
    # (fields that differ from the defaults, account id, kind): marshal rebuilds the dicts in C.
    rows: list[tuple[object, ...]] = []
    for role in roles:
        values = {name: value for name in _ROW_FIELDS
                  if (value := getattr(role, name)) != _ROLE_DEFAULTS[name] or name in ("name", "origin")}
        rows.append((values, role.account.id if role.account else None, str(role.kind)))
    return rows


def _from_rows(rows: list[tuple[object, ...]], external: list[str], accounts: _Accounts,
               profiles: dict[str, AwsProfile], settings: Settings) -> list[Role]:
    # The hot loop of every start with an unchanged config: each row's dict (fresh from marshal, built in C)
    # becomes the role's __dict__ as is; fields left out of it are at their defaults, which the dataclass
    # keeps as class attributes, so attribute access, equality, repr and fields() see the same role.
    by_id = {account_id: accounts(account_id) for account_id in {row[1] for row in rows}}  # type: ignore[misc]
    new, kinds, set_state = _new, _KINDS, object.__setattr__
    roles = []
    append = roles.append
    for values, account_id, kind in rows:  # type: ignore[misc]
        role = new(Role)
        values["account"] = by_id[account_id]  # type: ignore[index]
        values["kind"] = kinds[kind]  # type: ignore[index]
        set_state(role, "__dict__", values)
        append(role)
    if external:  # External IDs are never cached: read back from where they are written
        wanted = set(external)
        for role in roles:
            if role.name in wanted:
                source = (profiles[role.name].values if role.origin == "aws"
                          else {"external_id": settings.roles[role.name].external_id})
                role.__dict__["external_id"] = source.get("external_id")
    return roles


def _read_cache(path: str, sigs: tuple[object, ...]) -> dict | None:
    try:
        with open(path, "rb") as handle:
            data = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("header") != _cache_header(sigs):
        return None
    return data


def load_catalogue(*, config_path: str | None = None, credentials_path: str | None = None,
                   settings_path: str | None = None) -> Catalogue:
    """Build the catalogue from the AWS files and roleswitch's config.

    Raises ConfigError for invalid files. A roleswitch role named like an AWS profile shadows it (a warning).
    """
    # Thousands of acyclic objects in a row: the cyclic GC would scan them again and again (a third of the
    # warm path), for no garbage. Paused for the load only (and left alone if the caller already paused it).
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _load_catalogue(config_path, credentials_path, settings_path)
    finally:
        if paused:
            gc.enable()


def _load_catalogue(config_path: str | None, credentials_path: str | None, settings_path: str | None
                    ) -> Catalogue:
    # Stamps are taken before anything is read: a file changed meanwhile makes the cache stale, never fresh.
    settings_file = _settings_file(settings_path)
    settings_sig = awsconfig._stat_sig(settings_file)
    settings = load_settings(settings_path)
    index, loaded = awsconfig._load(config_path, credentials_path)
    assert loaded is not None
    profiles, sso_sessions = loaded, index["sso_sessions"]
    aws_config = config_path or paths.aws_config_file()
    aws_sigs = index["header"][-1]  # ((config path, mtime, size, inode), (credentials ...)) before reading
    sigs = (aws_sigs, settings_sig, aws_config)
    cache_path = _cache_path(repr((aws_sigs[0][0], aws_sigs[1][0], settings_file, aws_config)))
    cached = _read_cache(cache_path, sigs)
    if cached is not None:
        roles = _from_rows(cached["rows"], cached["external"], _Accounts(settings), profiles, settings)
        return Catalogue(roles=tuple(roles), profiles=profiles, settings=settings, sso_sessions=sso_sessions,
                         warnings=tuple(cached["warnings"]))
    catalogue = _build(settings, profiles, sso_sessions, aws_config)
    unchanged = (awsconfig._stat_sig(settings_file) == settings_sig
                 and tuple(awsconfig._stat_sig(str(sig[0])) for sig in aws_sigs) == tuple(aws_sigs))
    if unchanged:
        data = {"header": _cache_header(sigs), "rows": _to_rows(list(catalogue.roles)),
                "external": [role.name for role in catalogue.roles if role.external_id is not None],
                "warnings": list(catalogue.warnings)}
        awsconfig._write_index(cache_path, data)
    return catalogue


def _build(settings: Settings, profiles: dict[str, AwsProfile], sso_sessions: dict[str, dict[str, str]],
           aws_config: str) -> Catalogue:
    warnings: list[str] = []
    accounts = _Accounts(settings)
    by_name: dict[str, Role] = {}
    for profile in profiles.values():
        by_name[profile.name] = _from_profile(profile, accounts, aws_config, warnings)
    for name, role_settings in settings.roles.items():
        if name in by_name:
            # Not an error: `--write-profile prod-admin` (the natural name) must not brick the catalogue.
            # roleswitch's own entry is the more specific one, so it wins, and the user is told once.
            warnings.append(f"{settings.path}: [roles.{name}] shadows the AWS profile '{name}' ({aws_config} "
                            "or its credentials file); roleswitch uses its own entry under that name")
        by_name[name] = _from_settings(role_settings, accounts, settings)
        if by_name[name].kind is ProfileKind.FEDERATION and not (role_settings.policy_file
                                                                  or role_settings.policy_arns):
            from roleswitch.core.limits import FEDERATION_NO_POLICY

            warnings.append(f"{settings.path}: [roles.{name}] {FEDERATION_NO_POLICY}")

    favorites = [name for name in settings.favorites if name in by_name]
    for name in settings.favorites:
        if name not in by_name:
            warnings.append(f"{settings.path}: favorite {name!r} names no role or profile")
    rank = {name: i for i, name in enumerate(favorites)}

    roles = []
    for role in by_name.values():
        source = by_name.get(role.source_profile) if role.source_profile else None
        if role.source_profile and source is None:
            origin = settings.path if role.origin == "roleswitch" else aws_config
            warnings.append(f"{origin}: [{role.name}]: source_profile {role.source_profile!r} names no profile")
        chained = (source is not None and role.source_profile != role.name and role.role_arn is not None
                   and source.kind in _ROLE_SESSION_KINDS)
        favorite = role.name in rank
        roles.append(_with(role, chained=chained, favorite=favorite) if chained or favorite else role)

    def order(role: Role) -> tuple[int, str, str]:
        position = rank.get(role.name)
        if position is not None:
            return (position, "", "")
        account = role.account
        label = (account.alias or account.id) if account else "\uffff"  # no account: last
        return (len(rank), label.lower(), role.name.lower())

    roles.sort(key=order)
    return Catalogue(roles=tuple(roles), profiles=profiles, settings=settings, sso_sessions=sso_sessions,
                     warnings=tuple(warnings))


def role_fingerprint(role: Role) -> str:
    """A stable digest of everything that defines ``role`` (not the favorite flag): cached credentials
    obtained for an older definition are not reused."""
    data = {f.name: getattr(role, f.name) for f in fields(role)
            if f.name != "favorite" and not (f.name in _LATER_FIELDS and getattr(role, f.name) is None)}
    data["account"] = role.account.id if role.account else None
    data["kind"] = str(role.kind)
    import json

    return sha256(json.dumps(data, sort_keys=True, default=list).encode()).hexdigest()[:16]
