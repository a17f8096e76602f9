"""The engine: what the CLI and the TUI call to turn a catalogue entry into a live session.

``obtain`` validates everything first (:meth:`Engine.preflight`: no call is made with a value STS would
reject or silently ignore), then resolves the source credentials itself -- static keys, a ``source_profile``
chain of roles, ``credential_source``, or botocore's own provider chain for SSO and ``credential_process``
profiles -- so that MFA session reuse, caching and the 1-hour chained cap are ours:

* A source of long-term keys with an ``mfa_serial`` buys one GetSessionToken session with one code; it is
  cached under ``mfa:<serial>`` and reused for every role with that serial until it expires (no re-prompt).
* When the source credentials are already temporary, the code goes on the AssumeRole call instead.
* Sessions are cached (single flight: check, lock, re-check, call) and every STS call is audited.
* SAML roles (kind SAML) call AssumeRoleWithSAML, unsigned, with an assertion from ``--saml-assertion-file``
  (``AssumeOptions.saml_assertion``), ``saml_assertion_file`` or ``saml_assertion_command`` (run without a
  shell only on a cache miss; its output is a credential and is never logged, audited or cached).
* Federation entries (kind FEDERATION) call GetFederationToken with an IAM user's long-term keys.

boto3 is imported lazily: the engine is never on the cached fast path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from roleswitch.core import limits
from roleswitch.core import sts as stsmod
from roleswitch.core.audit import AuditLog
from roleswitch.core.errors import (
    ConfigError,
    MfaRequiredError,
    RoleswitchError,
    StsError,
    UsageError,
    ValidationError,
)
from roleswitch.core.model import (
    AwsProfile,
    Clock,
    Credentials,
    ProfileKind,
    Role,
    Session,
    StsApi,
    format_time,
    utcnow,
)
from roleswitch.core.sts import AssumeRequest

REASON_TAG = "Reason"  # session tag carrying the reason of a reason_required role (CloudTrail shows it)
MFA_PREFIX = "mfa:"
STALE_CODES = frozenset({"ExpiredToken", "InvalidClientTokenId"})  # cached source credentials are dead


class CatalogueLike(Protocol):
    """What the engine needs from a catalogue."""

    profiles: dict[str, AwsProfile]

    def get(self, name: str) -> Role: ...


@dataclass(frozen=True)
class AssumeOptions:
    """Per-call choices on top of the role's configuration. Secrets are hidden from repr."""

    duration_seconds: int | None = None
    mfa_code: str | None = field(default=None, repr=False)
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    session_name: str | None = None
    external_id: str | None = field(default=None, repr=False)
    policy_arns: tuple[str, ...] = ()
    policy_json: str | None = None
    region: str | None = None
    reason: str | None = None
    use_cache: bool = True
    saml_assertion: str | None = field(default=None, repr=False)  # base64 SAMLResponse (a credential)

    def digest(self) -> str:
        """Stable hash of the non-secret options that change the session (cache key part); ``""`` for the
        defaults, so the stdlib fast path finds default sessions under ``cache.key(name)``. The one
        definition is :func:`roleswitch.core.cache.options_digest` (shared with the fast path). The MFA
        code, External ID, SAML assertion and reason are not part of it (a reason_required role's cached
        session is only reused for the same reason: see Engine)."""
        from roleswitch.core.cache import options_digest

        return options_digest(
            duration_seconds=self.duration_seconds, tags=self.tags, transitive_tag_keys=self.transitive_tag_keys,
            source_identity=self.source_identity, session_name=self.session_name, policy_arns=self.policy_arns,
            policy_json=self.policy_json, region=self.region)


@dataclass(frozen=True)
class SamlRequest:
    """The AssumeRoleWithSAML parameters of a plan, except the assertion (read only on a cache miss)."""

    role_arn: str
    principal_arn: str
    duration_seconds: int | None = None  # None: the IdP's SessionDuration attribute (else STS's 3600)
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()

    def to_params(self) -> dict[str, Any]:
        """The request parameters (only those that are set), without ``SAMLAssertion``."""
        return {"RoleArn": self.role_arn, "PrincipalArn": self.principal_arn, **stsmod.session_params(
            duration_seconds=self.duration_seconds, policy=self.policy, policy_arns=self.policy_arns)}


@dataclass(frozen=True)
class FederationRequest:
    """The GetFederationToken parameters of a plan."""

    name: str
    duration_seconds: int | None = None  # None: STS's default of 43200
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()

    def to_params(self) -> dict[str, Any]:
        """The request parameters (only those that are set)."""
        return {"Name": self.name, **stsmod.session_params(
            duration_seconds=self.duration_seconds, policy=self.policy, policy_arns=self.policy_arns,
            tags=self.tags)}


@dataclass(frozen=True)
class Plan:
    """What :meth:`Engine.obtain` will do for a role, fully validated."""

    role: Role
    api: StsApi
    region: str
    request: AssumeRequest | None  # AssumeRole / AssumeRoleWithWebIdentity parameters
    chained: bool
    duration_seconds: int | None
    duration_explicit: bool        # from the user or the role (an error if too long), not a default (clamped)
    mfa_serial: str | None
    reason: str | None
    source: str | None             # source profile name or "credential_source:<x>"; None for no source
    call: SamlRequest | FederationRequest | None = None  # AssumeRoleWithSAML / GetFederationToken parameters
    notes: tuple[str, ...] = ()    # things the user should know (e.g. a federation without a session policy)


@dataclass(frozen=True)
class _Source:
    """Where a role's source credentials come from."""

    kind: str                   # "role" | "static" | "botocore" | "credential_source" | "default" |
                                # "assertion" (SAML: none needed) | "federation" (a federated user: unusable)
    name: str | None = None
    role: Role | None = None    # kind "role": the source role to obtain first
    profile: AwsProfile | None = None
    long_term: bool = False     # long-term IAM user keys: GetSessionToken possible
    chained: bool = False       # source credentials are role credentials: 1-hour cap
    mfa_serial: str | None = None


@dataclass
class _Run:
    """State of one obtain() call across the chain: the MFA code given may be used once."""

    code: str | None = field(default=None, repr=False)
    visiting: list[str] = field(default_factory=list)
    saml_assertion: str | None = field(default=None, repr=False)  # given by the caller; used by one SAML hop


_LOADER: Any = None


def shared_boto_session(**kwargs: Any) -> Any:
    """A ``boto3.Session(**kwargs)`` whose botocore data loader is shared by the whole process.

    The engine makes a session per set of credentials; parsing the service models anew each time costs
    ~200 ms, a shared loader ~35 ms.
    """
    import boto3
    import botocore.session
    from botocore.loaders import create_loader

    global _LOADER
    if _LOADER is None:
        _LOADER = create_loader(os.environ.get("AWS_DATA_PATH"))
    core = botocore.session.Session()
    core.register_component("data_loader", _LOADER)
    session = boto3.Session(botocore_session=core, **kwargs)
    search = _LOADER.search_paths  # boto3 appends its data folder per session: keep the list from growing
    unique = list(dict.fromkeys(search))
    if len(unique) != len(search):
        search[:] = unique
    return session


def _role_fingerprint(role: Role) -> str:
    from roleswitch.core.catalogue import role_fingerprint

    return role_fingerprint(role)


class Engine:
    """Turns catalogue entries into sessions: preflight, source resolution, MFA reuse, cache, audit."""

    def __init__(self, catalogue: CatalogueLike, cache: Any, *, settings: Any = None, now: Clock = utcnow,
                 prompt_mfa: Callable[[str], str] | None = None,
                 boto_session_factory: Callable[..., Any] | None = None,
                 audit: AuditLog | None = None) -> None:
        self.catalogue = catalogue
        self.cache = cache
        self.settings = settings if settings is not None else getattr(catalogue, "settings", None)
        self.now = now
        self.prompt_mfa = prompt_mfa
        self.boto_session_factory = boto_session_factory or shared_boto_session
        self.audit = audit if audit is not None else AuditLog(now=now, enabled=bool(self._default("audit", True)))
        self._role_limits: dict[str, int | None] = {}

    # ----------------------------------------------------------------- configuration helpers

    def _created(self) -> Any:
        return self.now().replace(microsecond=0)  # the cache keeps whole seconds

    def _default(self, name: str, fallback: Any) -> Any:
        defaults = getattr(self.settings, "defaults", None)
        value = getattr(defaults, name, None)
        return fallback if value is None else value

    def _role(self, name_or_role: str | Role) -> Role:
        return name_or_role if isinstance(name_or_role, Role) else self.catalogue.get(name_or_role)

    def _lookup(self, name: str) -> tuple[Role | None, AwsProfile | None]:
        profile = self.catalogue.profiles.get(name)
        try:
            role: Role | None = self.catalogue.get(name)
        except RoleswitchError:
            role = None
        if role is None and profile is None:
            raise ConfigError(f"source profile {name!r} does not exist",
                              hint="check source_profile in ~/.aws/config or config.toml")
        return role, profile

    def _region(self, role: Role, options: AssumeOptions) -> str:
        profile = self.catalogue.profiles.get(role.name)
        return (options.region or role.region or (profile.region if profile else None)
                or self._default("region", None) or os.environ.get("AWS_REGION")
                or os.environ.get("AWS_DEFAULT_REGION") or stsmod.DEFAULT_STS_REGION)

    def _source(self, role: Role) -> _Source:
        """Where ``role``'s source credentials come from (no I/O beyond the catalogue)."""
        if role.kind is ProfileKind.SAML:
            return _Source("assertion")  # the assertion is the credential: the call is unsigned
        if role.kind is ProfileKind.FEDERATION:
            return self._federation_source(role)
        if role.role_arn is None or role.kind is ProfileKind.WEB_IDENTITY or role.web_identity_token_file:
            profile = self.catalogue.profiles.get(role.name)
            if profile is not None and profile.has_static_keys:
                return _Source("static", role.name, profile=profile,
                               long_term=not profile.get("aws_session_token"), mfa_serial=role.mfa_serial)
            return _Source("botocore", role.name, profile=profile, chained=role.kind is ProfileKind.SSO)
        if role.source_profile:
            name = role.source_profile
            src_role, profile = self._lookup(name)
            if src_role is not None and src_role.kind is ProfileKind.FEDERATION and name != role.name:
                return _Source("federation", name, role=src_role)
            if src_role is not None and src_role.role_arn and name != role.name:
                return _Source("role", name, role=src_role, chained=True, mfa_serial=role.mfa_serial)
            if profile is not None and profile.has_static_keys:
                long_term = not profile.get("aws_session_token")
                return _Source("static", name, profile=profile, long_term=long_term,
                               mfa_serial=role.mfa_serial or profile.mfa_serial)
            kind = profile.kind if profile is not None else (src_role.kind if src_role else ProfileKind.OTHER)
            return _Source("botocore", name, profile=profile, chained=kind is ProfileKind.SSO,
                           mfa_serial=role.mfa_serial)
        if role.credential_source:
            return _Source("credential_source", role.credential_source,
                           chained=role.credential_source != "Environment", mfa_serial=role.mfa_serial)
        return _Source("default", None, mfa_serial=role.mfa_serial)

    def _federation_source(self, role: Role) -> _Source:
        """A federation entry's source: it must turn out to be an IAM user's long-term keys."""
        name = role.source_profile
        if not name:
            return _Source("default", None)
        src_role, profile = self._lookup(name)
        if profile is not None and profile.has_static_keys:
            return _Source("static", name, profile=profile, long_term=not profile.get("aws_session_token"))
        if src_role is not None and (src_role.role_arn or src_role.kind is ProfileKind.FEDERATION):
            return _Source("role", name, role=src_role, chained=True)
        kind = profile.kind if profile is not None else (src_role.kind if src_role else ProfileKind.OTHER)
        return _Source("botocore", name, profile=profile, chained=kind is ProfileKind.SSO)

    def _uses_saml(self, role: Role, seen: tuple[str, ...] = ()) -> bool:
        """True when ``role`` or a role of its source chain is a SAML role."""
        if role.kind is ProfileKind.SAML:
            return True
        if role.name in seen:
            return False
        source = self._source(role)
        return source.kind == "role" and source.role is not None and self._uses_saml(source.role,
                                                                                     (*seen, role.name))

    # ----------------------------------------------------------------- preflight

    def preflight(self, name_or_role: str | Role, options: AssumeOptions = AssumeOptions()) -> Plan:
        """Validate every value of the call before any network call. Raises ValidationError naming the
        limit (duration, chained 1-hour cap, session name, SourceIdentity, External ID, tags, policy,
        MFA serial/code, role ARN, missing reason) or ConfigError (unreadable policy file, bad chain)."""
        role = self._role(name_or_role)
        where = role.name
        reason = (options.reason or "").strip() or None
        if role.reason_required and reason is None:
            raise ValidationError(f"role {role.name} requires a reason (a ticket or why you need it)",
                                  hint="pass --reason 'TICKET-123 what for'", where=where)
        region = self._region(role, options)
        if options.saml_assertion is not None and not self._uses_saml(role):
            raise ValidationError(f"a SAML assertion was given but {role.name} is a {role.kind.value} profile, "
                                  "not a SAML role (nor chained from one)",
                                  hint="drop --saml-assertion-file, or pick a role with saml_provider_arn",
                                  where=where)
        source = self._source(role)
        if source.kind == "federation":
            raise ValidationError(
                f"source_profile {source.name} is a GetFederationToken entry: federated user sessions cannot "
                "call AssumeRole (they may call no STS API but GetCallerIdentity)",
                hint="use an IAM user's keys, a role or SSO as the source", where=f"{where}: source_profile")
        if options.mfa_code is not None:
            limits.validate_mfa_code(options.mfa_code, where=f"{where}: MFA code")
        if role.kind is ProfileKind.SAML:
            return self._preflight_saml(role, options, region, reason)
        if role.kind is ProfileKind.FEDERATION:
            return self._preflight_federation(role, options, region, reason, source)

        if role.role_arn is None:
            extras = [n for n in ("tags", "transitive_tag_keys", "policy_arns", "policy_json", "external_id",
                                  "source_identity", "session_name") if getattr(options, n)]
            if extras:
                raise ValidationError(f"{', '.join(extras)} apply only to roles; {role.name} has no role_arn",
                                      where=where)
            serial = role.mfa_serial if source.kind == "static" and source.long_term else None
            if serial:
                limits.validate_mfa_serial(serial, where=f"{where}: mfa_serial")
            api = StsApi.GET_SESSION_TOKEN if serial else StsApi.STATIC
            duration = None
            if serial:
                duration = options.duration_seconds or int(self._default("mfa_session_seconds", 43200))
                limits.validate_duration(duration, maximum=limits.MAX_USER_SESSION_DURATION,
                                         where=f"{where}: duration")
            return Plan(role=role, api=api, region=region, request=None, chained=False,
                        duration_seconds=duration, duration_explicit=options.duration_seconds is not None,
                        mfa_serial=serial, reason=reason, source=role.name)

        limits.validate_role_arn(role.role_arn, where=f"{where}: role_arn")
        chained = role.chained or source.chained
        web = role.kind is ProfileKind.WEB_IDENTITY or bool(role.web_identity_token_file)

        explicit = options.duration_seconds or role.duration_seconds
        if explicit is not None:
            duration: int | None = limits.validate_duration(explicit, chained=chained, where=f"{where}: duration")
        else:
            default = self._default("duration_seconds", None)
            if default is not None and chained:
                default = min(int(default), limits.MAX_CHAINED_DURATION)  # a default is clamped, never an error
            duration = (limits.validate_duration(int(default), chained=chained, where=f"{where}: duration")
                        if default is not None else None)

        session_name = self._session_name(role, options)
        source_identity = options.source_identity or role.source_identity
        if source_identity is None and self._default("source_identity", False) and not web:
            source_identity = limits.default_session_name()
        if source_identity is not None:
            limits.validate_source_identity(source_identity, where=f"{where}: source_identity")
        external_id = options.external_id if options.external_id is not None else role.external_id
        if external_id is not None:
            limits.validate_external_id(external_id, where=f"{where}: external_id")

        serial = source.mfa_serial if not web else None
        if serial:
            limits.validate_mfa_serial(serial, where=f"{where}: mfa_serial")

        tags = self._tags(role, options, reason)
        transitive = tuple(dict.fromkeys((*role.transitive_tag_keys, *options.transitive_tag_keys)))
        if web and (tags or transitive or external_id or source_identity):
            raise ValidationError("AssumeRoleWithWebIdentity takes no session tags, External ID or "
                                  "SourceIdentity from the caller (they come from the token)", where=where)
        limits.validate_tags(tags, transitive, where=f"{where}: tags")

        policy = self._policy(role, options)
        policy_arns = tuple(dict.fromkeys((*role.policy_arns, *options.policy_arns)))
        limits.validate_policy_arns(policy_arns, where=f"{where}: policy_arns")

        request = AssumeRequest(
            role_arn=role.role_arn, session_name=session_name, duration_seconds=duration,
            external_id=external_id, mfa_serial=serial, mfa_code=None, tags=tags,
            transitive_tag_keys=transitive, source_identity=source_identity, policy=policy,
            policy_arns=policy_arns)
        return Plan(role=role, api=StsApi.ASSUME_ROLE_WITH_WEB_IDENTITY if web else StsApi.ASSUME_ROLE,
                    region=region, request=request, chained=chained, duration_seconds=duration,
                    duration_explicit=explicit is not None, mfa_serial=serial, reason=reason,
                    source=source.name if source.kind != "credential_source"
                    else f"credential_source:{source.name}")

    def _duration(self, role: Role, options: AssumeOptions, *, maximum: int,
                  use_default: bool) -> tuple[int | None, bool]:
        """(duration, explicit): the call's or the role's duration, else the configured default."""
        explicit = options.duration_seconds or role.duration_seconds
        if explicit is not None:
            return limits.validate_duration(explicit, maximum=maximum, where=f"{role.name}: duration"), True
        default = self._default("duration_seconds", None) if use_default else None
        if default is None:
            return None, False
        return limits.validate_duration(int(default), maximum=maximum, where="defaults.duration_seconds"), False

    @staticmethod
    def _refuse(role: Role, api: str, why: str, given: list[str]) -> None:
        if given:
            raise ValidationError(f"{api} takes no {', '.join(given)}: {why}", where=role.name)

    def _preflight_saml(self, role: Role, options: AssumeOptions, region: str, reason: str | None) -> Plan:
        """AssumeRoleWithSAML: role + provider ARNs, duration, session policies; the rest is the IdP's."""
        where = role.name
        limits.validate_role_arn(role.role_arn or "", where=f"{where}: role_arn")
        if not role.saml_provider_arn:
            raise ValidationError(f"SAML role {role.name} has no saml_provider_arn",
                                  hint="set saml_provider_arn = \"arn:aws:iam::<account>:saml-provider/<name>\"",
                                  where=where)
        limits.validate_principal_arn(role.saml_provider_arn, where=f"{where}: saml_provider_arn")
        given = [label for label, value in (
            ("session tags", options.tags), ("transitive tag keys", options.transitive_tag_keys),
            ("External ID", options.external_id), ("SourceIdentity", options.source_identity),
            ("session name", options.session_name), ("MFA code", options.mfa_code)) if value]
        self._refuse(role, "AssumeRoleWithSAML", "they come from the identity provider's assertion", given)
        # No configured default: without DurationSeconds the assertion's SessionDuration attribute applies.
        duration, explicit = self._duration(role, options, maximum=limits.MAX_ROLE_DURATION, use_default=False)
        policy = self._policy(role, options)
        policy_arns = tuple(dict.fromkeys((*role.policy_arns, *options.policy_arns)))
        limits.validate_policy_arns(policy_arns, where=f"{where}: policy_arns")
        call = SamlRequest(role_arn=str(role.role_arn), principal_arn=role.saml_provider_arn,
                           duration_seconds=duration, policy=policy, policy_arns=policy_arns)
        return Plan(role=role, api=StsApi.ASSUME_ROLE_WITH_SAML, region=region, request=None, chained=False,
                    duration_seconds=duration, duration_explicit=explicit, mfa_serial=None, reason=reason,
                    source=None, call=call)

    def _preflight_federation(self, role: Role, options: AssumeOptions, region: str, reason: str | None,
                              source: _Source) -> Plan:
        """GetFederationToken: an IAM user's long-term keys, a name, session policies, tags, <= 36 h."""
        where = role.name
        if not role.source_profile:
            raise ValidationError(f"federation entry {role.name} has no source_profile",
                                  hint="name the profile holding the IAM user's long-term keys", where=where)
        temporary = (source.kind in ("role", "credential_source")
                     or (source.kind == "static" and not source.long_term)
                     or (source.kind == "botocore" and source.profile is not None
                         and source.profile.kind in (ProfileKind.SSO, ProfileKind.ROLE, ProfileKind.WEB_IDENTITY)))
        if temporary:
            raise ValidationError(
                f"source_profile {source.name} gives temporary credentials; GetFederationToken must be called "
                "with an IAM user's long-term access keys",
                hint="point source_profile at a profile with aws_access_key_id and aws_secret_access_key "
                     "(no session token)", where=f"{where}: source_profile")
        given = [label for label, value in (
            ("transitive tag keys", options.transitive_tag_keys), ("External ID", options.external_id),
            ("SourceIdentity", options.source_identity), ("MFA code", options.mfa_code)) if value]
        self._refuse(role, "GetFederationToken", "it is called with the IAM user's own long-term keys", given)
        name = options.session_name or role.federation_name
        if not name:
            raise ValidationError(f"federation entry {role.name} has no federation_name",
                                  hint="2..32 of letters, digits and _+=,.@-", where=where)
        limits.validate_federation_name(name, where=f"{where}: federation_name")
        duration, explicit = self._duration(role, options, maximum=limits.MAX_FEDERATION_DURATION,
                                            use_default=True)
        tags = self._tags(role, options, reason)
        limits.validate_tags(tags, (), where=f"{where}: tags")
        policy = self._policy(role, options)
        policy_arns = tuple(dict.fromkeys((*role.policy_arns, *options.policy_arns)))
        limits.validate_policy_arns(policy_arns, where=f"{where}: policy_arns")
        notes = () if policy is not None or policy_arns else (f"{role.name} {limits.FEDERATION_NO_POLICY}",)
        call = FederationRequest(name=name, duration_seconds=duration, policy=policy, policy_arns=policy_arns,
                                 tags=tags)
        return Plan(role=role, api=StsApi.GET_FEDERATION_TOKEN, region=region, request=None, chained=False,
                    duration_seconds=duration, duration_explicit=explicit, mfa_serial=None, reason=reason,
                    source=source.name, call=call, notes=notes)

    def _session_name(self, role: Role, options: AssumeOptions) -> str:
        where = f"{role.name}: session_name"
        if options.session_name is not None:
            return limits.validate_session_name(options.session_name, where=where)
        if role.role_session_name is not None:
            return limits.validate_session_name(role.role_session_name, where=where)
        template = self._default("session_name", None)
        if template:
            user, host = limits.local_user(), limits.local_host()
            try:
                text = str(template).format(user=user, host=host, profile=role.name)
            except (KeyError, IndexError, ValueError):
                raise ConfigError(f"session_name template {template!r} is not valid",
                                  hint="use {user}, {host} and {profile}", where="defaults.session_name") from None
            return limits.sanitise_session_name(text)
        return limits.default_session_name()

    def _tags(self, role: Role, options: AssumeOptions, reason: str | None) -> tuple[tuple[str, str], ...]:
        merged: dict[str, tuple[str, str]] = {}
        for key, value in (*role.session_tags, *options.tags):
            merged[key.lower()] = (key, value)  # the call's tags override the role's (keys ignore case)
        if role.reason_required and reason:
            merged[REASON_TAG.lower()] = (REASON_TAG, limits.sanitise_tag_value(reason))
        return tuple(merged.values())

    def _policy(self, role: Role, options: AssumeOptions) -> str | None:
        if options.policy_json is not None:
            return limits.normalise_policy(options.policy_json, where=f"{role.name}: policy")
        if role.policy_file:
            path = os.path.expanduser(role.policy_file)
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except OSError as exc:
                raise ConfigError(f"cannot read session policy file {path}: {exc.strerror}",
                                  where=f"{role.name}: policy_file") from None
            return limits.normalise_policy(text, where=f"{role.name}: policy_file {path}")
        return None

    # ----------------------------------------------------------------- MFA state

    def _mfa_key(self, serial: str) -> str:
        return str(self.cache.key(MFA_PREFIX + serial))

    def mfa_session_left(self, serial: str) -> float | None:
        """Seconds left on the cached MFA session for ``serial`` (``None`` when there is none)."""
        session = self.cache.get(self._mfa_key(serial))
        return session.credentials.seconds_left(self.now()) if session is not None else None

    def _cached(self, role: Role, options: AssumeOptions) -> Session | None:
        """The valid cached session of ``role`` for ``options`` (role definition unchanged), else None."""
        if not options.use_cache:
            return None
        key = self.cache.key(role.name, options.digest())
        fingerprint = _role_fingerprint(role)
        session: Session | None = self.cache.get(key, fingerprint=fingerprint)
        if session is None:
            return None
        if role.reason_required:
            # The reason travels as a session tag: a session bought for another reason is not this one.
            wanted = limits.sanitise_tag_value((options.reason or "").strip())
            if dict((k.lower(), v) for k, v in session.tags).get(REASON_TAG.lower()) != wanted:
                return None
        entry = self.cache.entry(key) if hasattr(self.cache, "entry") else None
        if entry is not None and hasattr(self.cache, "restamp") and entry.stamp != self.cache.stamp:
            # Verified against the current role definition: let the stdlib fast path trust it again.
            self.cache.restamp(key, fingerprint=fingerprint)
        return session

    def needs_mfa_code(self, name_or_role: str | Role, options: AssumeOptions = AssumeOptions()) -> bool:
        """True when obtaining the role now would need an MFA code: False while its session or the MFA
        session of its serial is cached and valid, or when no MFA is involved."""
        return self.mfa_serial_needed(name_or_role, options) is not None

    def mfa_serial_needed(self, name_or_role: str | Role, options: AssumeOptions = AssumeOptions()) -> str | None:
        """The MFA serial a code must be asked for before obtaining the role now, or ``None``. It may belong
        to a source role of the chain (the role itself then has no ``mfa_serial``)."""
        return self._serial_needing_code(self._role(name_or_role), options, [])

    def _serial_needing_code(self, role: Role, options: AssumeOptions, seen: list[str]) -> str | None:
        if role.name in seen or self._cached(role, options) is not None:
            return None
        seen.append(role.name)
        source = self._source(role)
        if source.kind == "role" and source.role is not None:
            inner = self._serial_needing_code(source.role, self._source_options(options), seen)
            if inner:
                return inner
        serial = source.mfa_serial
        if role.role_arn is None and not (source.kind == "static" and source.long_term):
            serial = None
        if serial is None:
            return None
        if source.kind == "static" and source.long_term and self.mfa_session_left(serial) is not None:
            return None
        return serial

    def _code(self, serial: str, role: Role, run: _Run) -> str:
        """The MFA code for ``serial``: the one given (used once), else the prompt, else MfaRequiredError."""
        if run.code is not None:
            code, run.code = run.code, None
            return limits.validate_mfa_code(code, where=f"{role.name}: MFA code")
        if self.prompt_mfa is None:
            raise MfaRequiredError(serial, where=role.name)
        return limits.validate_mfa_code(self.prompt_mfa(serial), where=f"{role.name}: MFA code")

    # ----------------------------------------------------------------- obtaining

    def obtain(self, name_or_role: str | Role, options: AssumeOptions = AssumeOptions()) -> Session:
        """A valid session for the role: from the cache, or from STS (then cached and audited).

        Raises ValidationError (preflight), MfaRequiredError, ConfigError (bad chain or files), StsError.
        """
        role = self._role(name_or_role)
        return self._obtain(role, options, _Run(code=options.mfa_code, saml_assertion=options.saml_assertion))

    def _source_options(self, options: AssumeOptions) -> AssumeOptions:
        # Intermediate roles of a chain use their own configuration; only the reason and cache choice travel.
        return AssumeOptions(reason=options.reason, use_cache=options.use_cache)

    def _obtain(self, role: Role, options: AssumeOptions, run: _Run) -> Session:
        if role.name in run.visiting:
            loop = " -> ".join((*run.visiting, role.name))
            raise ConfigError(f"source_profile loop: {loop}", hint="a role cannot be its own source",
                              where=role.name)
        plan = self.preflight(role, options)
        cacheable = plan.api is not StsApi.STATIC or role.kind is not ProfileKind.STATIC
        key = self.cache.key(role.name, options.digest())
        if (hit := self._cached(role, options)) is not None:
            return hit
        run.visiting.append(role.name)
        try:
            with self.cache.lock(key):
                # Single flight: another process may have fetched it while we waited for the lock.
                if (hit := self._cached(role, options)) is not None:
                    return hit
                session = self._fetch_retrying(plan, options, run)
                if cacheable and session.credentials.is_temporary:
                    self.cache.put(key, session, fingerprint=_role_fingerprint(role))
                return session
        finally:
            run.visiting.remove(role.name)

    def _fetch_retrying(self, plan: Plan, options: AssumeOptions, run: _Run) -> Session:
        """:meth:`_fetch`, once more with fresh source credentials when STS says the cached ones are dead
        (an MFA session or source role session revoked or expired early: ExpiredToken, InvalidClientTokenId)."""
        try:
            return self._fetch(plan, options, run)
        except StsError as exc:
            if exc.where is None:
                exc.where = plan.role.name  # in a chain, say which hop failed
            if exc.code not in STALE_CODES or not self._drop_cached_sources(plan):
                raise
        return self._fetch(plan, options, run)

    def _drop_cached_sources(self, plan: Plan) -> bool:
        """Forget the cached MFA session / source role session ``plan`` used; True if one was dropped."""
        source = self._source(plan.role)
        dropped = False
        if plan.mfa_serial and source.kind == "static" and source.long_term:
            dropped |= bool(self.cache.delete(self._mfa_key(plan.mfa_serial)))
        if source.kind == "role" and source.name:
            dropped |= bool(self.cache.delete(self.cache.key(source.name, AssumeOptions().digest())))
        return dropped

    def _fetch(self, plan: Plan, options: AssumeOptions, run: _Run) -> Session:
        role = plan.role
        if plan.api is StsApi.ASSUME_ROLE_WITH_WEB_IDENTITY:
            return self._web_identity(plan)
        if plan.api is StsApi.ASSUME_ROLE_WITH_SAML:
            return self._saml(plan, run)
        if plan.api is StsApi.GET_FEDERATION_TOKEN:
            return self._federation(plan, options, run)
        source = self._source(role)
        if role.role_arn is None:
            creds = self._source_credentials(source, role, options, run)
            if plan.api is StsApi.GET_SESSION_TOKEN and plan.mfa_serial:
                mfa = self._mfa_session(plan.mfa_serial, creds, plan, run)
                return replace(mfa, profile=role.name, region=plan.region)
            return Session(profile=role.name, credentials=creds, api=StsApi.STATIC, account_id=role.account_id,
                           region=plan.region, created=self._created())

        creds = self._source_credentials(source, role, options, run)
        request = plan.request
        assert request is not None  # a role plan always has one
        if plan.mfa_serial:
            if source.kind == "static" and source.long_term:
                mfa = self._mfa_session(plan.mfa_serial, creds, plan, run)
                creds = mfa.credentials
                request = replace(request, mfa_serial=None)
            else:
                request = replace(request, mfa_code=self._code(plan.mfa_serial, role, run))
        request = self._check_role_limits(plan, request, creds)
        client = stsmod.make_client(self._boto(creds, plan.region), "sts", region=plan.region)
        try:
            result = stsmod.assume_role(client, request)
        except StsError as exc:
            self._audit(plan, request, StsApi.ASSUME_ROLE, error=exc)
            raise
        self._audit(plan, request, StsApi.ASSUME_ROLE, result=result)
        return Session(profile=role.name, credentials=result.credentials, api=StsApi.ASSUME_ROLE,
                       role_arn=role.role_arn, assumed_arn=result.assumed_arn,
                       account_id=result.account_id or role.account_id, region=plan.region,
                       session_name=request.session_name,
                       source_identity=result.source_identity or request.source_identity,
                       tags=request.tags, created=self._created())

    def _check_role_limits(self, plan: Plan, request: AssumeRequest, creds: Credentials) -> AssumeRequest:
        """Best effort: compare the duration with the role's MaxSessionDuration (iam:GetRole). Only asked
        when the duration exceeds the 1-hour default maximum; unknown limits never block."""
        duration = request.duration_seconds
        if duration is None or duration <= limits.DEFAULT_MAX_SESSION_DURATION or plan.chained:
            return request
        arn = request.role_arn
        if arn not in self._role_limits:
            iam = stsmod.make_client(self._boto(creds, plan.region), "iam", region=plan.region, max_attempts=2)
            info = stsmod.read_role_limits(iam, arn)
            self._role_limits[arn] = info.max_session_duration if info else None
        max_session = self._role_limits[arn]
        if max_session is None or duration <= max_session:
            return request
        if not plan.duration_explicit:
            return replace(request, duration_seconds=max_session)  # a default is clamped, never an error
        limits.validate_duration(duration, max_session=max_session, where=f"{plan.role.name}: duration")
        return request

    def role_max_session(self, name_or_role: str | Role) -> int | None:
        """The role's MaxSessionDuration (seconds) from iam:GetRole, best effort; ``None`` when unknown.

        Reads only with credentials that need no prompt and no STS call: the cached MFA session or the
        long-term keys of a static source, or the cached session of a source role. Remembered per role ARN
        (shared with the duration check of :meth:`obtain`). Never raises; does network I/O: call it off the
        UI thread."""
        try:
            role = self._role(name_or_role)
            arn = role.role_arn
            if not arn:
                return None
            if arn in self._role_limits:
                return self._role_limits[arn]
            creds = self._quiet_source_credentials(role)
            if creds is None:
                return None  # not remembered: credentials may appear later (an MFA session, a source session)
            region = self._region(role, AssumeOptions())
            iam = stsmod.make_client(self._boto(creds, region), "iam", region=region, max_attempts=2)
            info = stsmod.read_role_limits(iam, arn)
            if info is None:
                return None
            self._role_limits[arn] = info.max_session_duration
            return info.max_session_duration
        except Exception:  # best effort by contract: unknown, never an error
            return None

    def _quiet_source_credentials(self, role: Role) -> Credentials | None:
        """Source credentials of ``role`` available without prompting or calling STS, else ``None``."""
        source = self._source(role)
        if source.kind == "static" and source.profile is not None:
            if source.long_term and source.mfa_serial:
                mfa = self.cache.get(self._mfa_key(source.mfa_serial))
                if mfa is not None:
                    return mfa.credentials
            values = source.profile.values
            return Credentials(access_key_id=values["aws_access_key_id"],
                               secret_access_key=values["aws_secret_access_key"],
                               session_token=values.get("aws_session_token") or None)
        if source.kind == "role" and source.role is not None:
            cached = self._cached(source.role, self._source_options(AssumeOptions()))
            return cached.credentials if cached is not None else None
        return None

    def _boto(self, creds: Credentials | None, region: str, **kwargs: Any) -> Any:
        if creds is not None:
            kwargs.update(aws_access_key_id=creds.access_key_id, aws_secret_access_key=creds.secret_access_key,
                          aws_session_token=creds.session_token)
        try:
            return self.boto_session_factory(region_name=region, **kwargs)
        except Exception as exc:  # botocore raises ProfileNotFound etc. at session creation
            raise stsmod.error_from(exc, "session", target=kwargs.get("profile_name")) from None

    def _source_credentials(self, source: _Source, role: Role, options: AssumeOptions, run: _Run) -> Credentials:
        if source.kind == "role" and source.role is not None:
            return self._obtain(source.role, self._source_options(options), run).credentials
        if source.kind == "static" and source.profile is not None:
            values = source.profile.values
            return Credentials(access_key_id=values["aws_access_key_id"],
                               secret_access_key=values["aws_secret_access_key"],
                               session_token=values.get("aws_session_token") or None)
        if source.kind == "credential_source":
            return self._credential_source(str(source.name), role)
        # SSO, credential_process and the rest: botocore's own provider chain for that profile.
        region = self._region(role, options)
        session = self._boto(None, region, **({"profile_name": source.name} if source.name else {}))
        try:
            found = session.get_credentials()
            frozen = found.get_frozen_credentials() if found is not None else None
        except Exception as exc:
            raise stsmod.error_from(exc, "resolving credentials", target=source.name) from None
        if frozen is None or not frozen.access_key:
            where = f"profile {source.name}" if source.name else "the default credential chain"
            raise StsError(f"no credentials found for {where}", code="NoCredentials",
                           hint="configure keys, SSO, credential_process or source_profile", where=role.name)
        expiry = stsmod.utc_seconds(getattr(found, "_expiry_time", None))
        return Credentials(access_key_id=frozen.access_key, secret_access_key=frozen.secret_key,
                           session_token=frozen.token, expiration=expiry)

    def _credential_source(self, name: str, role: Role) -> Credentials:
        from botocore import credentials as bc

        providers: dict[str, Callable[[], Any]] = {
            "Environment": lambda: bc.EnvProvider().load(),
            "EcsContainer": lambda: bc.ContainerProvider().load(),
            "Ec2InstanceMetadata": lambda: bc.InstanceMetadataProvider(
                iam_role_fetcher=bc.InstanceMetadataFetcher(timeout=2, num_attempts=2)).load(),
        }
        if name not in providers:
            raise ConfigError(f"credential_source {name!r} is not supported",
                              hint="use Environment, Ec2InstanceMetadata or EcsContainer", where=role.name)
        try:
            found = providers[name]()
        except Exception as exc:
            raise stsmod.error_from(exc, "resolving credentials", target=name) from None
        if found is None:
            raise StsError(f"credential_source {name} has no credentials", code="NoCredentials",
                           where=role.name)
        frozen = found.get_frozen_credentials()
        return Credentials(access_key_id=frozen.access_key, secret_access_key=frozen.secret_key,
                           session_token=frozen.token, expiration=stsmod.utc_seconds(getattr(found, "_expiry_time", None)))

    def _mfa_session(self, serial: str, keys: Credentials, plan: Plan, run: _Run) -> Session:
        """The GetSessionToken session for ``serial``: cached and shared by every role with that serial."""
        key = self._mfa_key(serial)
        if (hit := self.cache.get(key)) is not None:
            return hit
        with self.cache.lock(key):
            if (hit := self.cache.get(key)) is not None:
                return hit
            code = self._code(serial, plan.role, run)
            duration = int(self._default("mfa_session_seconds", 43200))
            if plan.api is StsApi.GET_SESSION_TOKEN and plan.duration_seconds:
                duration = plan.duration_seconds
            limits.validate_duration(duration, maximum=limits.MAX_USER_SESSION_DURATION,
                                     where="defaults.mfa_session_seconds")
            client = stsmod.make_client(self._boto(keys, plan.region), "sts", region=plan.region)
            try:
                result = stsmod.get_session_token(client, duration_seconds=duration, mfa_serial=serial,
                                                  mfa_code=code)
            except StsError as exc:
                self._audit(plan, None, StsApi.GET_SESSION_TOKEN, error=exc, duration=duration)
                raise
            self._audit(plan, None, StsApi.GET_SESSION_TOKEN, result=result, duration=duration)
            # The MFA session is the IAM user's, in the user's account (the serial's), not the role's.
            account = mfa_serial_account(serial) or (plan.role.account_id if plan.role.role_arn is None else None)
            session = Session(profile=MFA_PREFIX + serial, credentials=result.credentials,
                              api=StsApi.GET_SESSION_TOKEN, account_id=account,
                              region=plan.region, created=self._created())
            self.cache.put(key, session, fingerprint=serial)
            return session

    def _web_identity(self, plan: Plan) -> Session:
        role = plan.role
        request = plan.request
        assert request is not None and role.role_arn is not None
        token_file = role.web_identity_token_file
        if token_file is None:
            profile = self.catalogue.profiles.get(role.name)
            token_file = profile.get("web_identity_token_file") if profile else None
        if not token_file:
            raise ConfigError("web identity role has no web_identity_token_file", where=role.name)
        path = os.path.expanduser(token_file)
        try:
            with open(path, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read web identity token file {path}: {exc.strerror}",
                              where=f"{role.name}: web_identity_token_file") from None
        # The token is the credential: the call is unsigned, so no source credentials are needed.
        client = stsmod.make_client(self._boto(None, plan.region), "sts", region=plan.region, unsigned=True)
        api = StsApi.ASSUME_ROLE_WITH_WEB_IDENTITY
        try:
            result = stsmod.assume_role_with_web_identity(
                client, role_arn=role.role_arn, web_identity_token=token, session_name=request.session_name,
                duration_seconds=request.duration_seconds, policy=request.policy,
                policy_arns=request.policy_arns)
        except StsError as exc:
            self._audit(plan, request, api, error=exc)
            raise
        self._audit(plan, request, api, result=result)
        return Session(profile=role.name, credentials=result.credentials, api=api, role_arn=role.role_arn,
                       assumed_arn=result.assumed_arn, account_id=result.account_id or role.account_id,
                       region=plan.region, session_name=request.session_name,
                       source_identity=result.source_identity, created=self._created())

    def _saml(self, plan: Plan, run: _Run) -> Session:
        role, call = plan.role, plan.call
        assert isinstance(call, SamlRequest)
        assertion = self._saml_assertion(role, run)
        # The assertion is the credential: the call is unsigned, so no source credentials are needed.
        client = stsmod.make_client(self._boto(None, plan.region), "sts", region=plan.region, unsigned=True)
        api = StsApi.ASSUME_ROLE_WITH_SAML
        try:
            result = stsmod.assume_role_with_saml(
                client, role_arn=call.role_arn, principal_arn=call.principal_arn, saml_assertion=assertion,
                duration_seconds=call.duration_seconds, policy=call.policy, policy_arns=call.policy_arns)
        except StsError as exc:
            self._audit(plan, None, api, error=exc)
            raise
        self._audit(plan, None, api, result=result)
        return Session(profile=role.name, credentials=result.credentials, api=api, role_arn=call.role_arn,
                       assumed_arn=result.assumed_arn, account_id=result.account_id or role.account_id,
                       region=plan.region, session_name=_session_of(result.assumed_arn),
                       source_identity=result.source_identity, created=self._created())

    def _saml_assertion(self, role: Role, run: _Run) -> str:
        """The base64 assertion: the caller's (used by one hop), else the role's file, else its command.

        Raises UsageError (none available), ConfigError (unreadable file, command not found), StsError
        (the command failed), ValidationError (not an assertion). No message ever contains the assertion.
        """
        if run.saml_assertion is not None:
            text, run.saml_assertion = run.saml_assertion, None
            origin = "the given assertion"
        elif role.saml_assertion_file:
            path = os.path.expanduser(role.saml_assertion_file)
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError) as exc:
                why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                raise ConfigError(f"cannot read the SAML assertion file {path}: {why}",
                                  where=f"{role.name}: saml_assertion_file") from None
            origin = f"saml_assertion_file {path}"
        elif role.saml_assertion_command:
            text = _run_assertion_command(role.saml_assertion_command, role.name)
            origin = "saml_assertion_command"
        else:
            raise UsageError(f"SAML role {role.name} needs an assertion from your identity provider",
                             hint="pass --saml-assertion-file FILE (- reads stdin), or set saml_assertion_file "
                                  "or saml_assertion_command in config.toml", where=role.name)
        return limits.normalise_saml_assertion(text, where=f"{role.name}: SAML assertion from {origin}")

    def _federation(self, plan: Plan, options: AssumeOptions, run: _Run) -> Session:
        role, call = plan.role, plan.call
        assert isinstance(call, FederationRequest)
        source = self._source(role)
        keys = self._source_credentials(source, role, options, run)
        if keys.is_temporary:  # e.g. a credential_process handing out session credentials
            raise ValidationError(
                f"source_profile {source.name} gave temporary credentials; GetFederationToken must be called "
                "with an IAM user's long-term access keys", where=f"{role.name}: source_profile")
        client = stsmod.make_client(self._boto(keys, plan.region), "sts", region=plan.region)
        api = StsApi.GET_FEDERATION_TOKEN
        try:
            result = stsmod.get_federation_token(client, name=call.name, duration_seconds=call.duration_seconds,
                                                 policy=call.policy, policy_arns=call.policy_arns, tags=call.tags)
        except StsError as exc:
            self._audit(plan, None, api, error=exc)
            raise
        self._audit(plan, None, api, result=result)
        return Session(profile=role.name, credentials=result.credentials, api=api,
                       assumed_arn=result.assumed_arn, account_id=result.account_id or role.account_id,
                       region=plan.region, session_name=call.name, tags=call.tags, created=self._created())

    def _audit(self, plan: Plan, request: AssumeRequest | None, api: StsApi, *,
               result: stsmod.StsResult | None = None, error: StsError | None = None,
               duration: int | None = None) -> None:
        expiration = result.credentials.expiration if result is not None else None
        session_name = request.session_name if request else None
        source_identity = request.source_identity if request else None
        tags = request.tags if request else ()
        call = plan.call if api is plan.api else None
        if isinstance(call, FederationRequest):
            session_name, tags, duration = call.name, call.tags, call.duration_seconds
        elif isinstance(call, SamlRequest):
            duration = call.duration_seconds
            if result is not None:
                session_name, source_identity = _session_of(result.assumed_arn), result.source_identity
        try:
            self.audit.record(
                profile=plan.role.name, api=str(api), outcome="error" if error else "ok",
                role_arn=plan.role.role_arn if api is not StsApi.GET_SESSION_TOKEN else None,
                session_name=session_name, source_identity=source_identity, tags=tags, reason=plan.reason,
                duration_seconds=duration if duration is not None else (request.duration_seconds if request else None),
                assumed_arn=result.assumed_arn if result else None,
                expiration=format_time(expiration) if expiration else None,
                error_code=error.code if error else None, error=error.message if error else None)
        except OSError:
            pass  # an unwritable audit folder must not cost the user their session


_COMMON_OPTIONS = frozenset({"duration_seconds", "policy_arns", "policy_json", "region", "reason", "use_cache"})


def mfa_serial_account(serial: str) -> str | None:
    """The account id in a virtual MFA device ARN (``arn:aws:iam::123456789012:mfa/alice``); ``None`` for a
    hardware token serial (it names no account)."""
    parts = serial.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] == "iam" and parts[4].isdigit() and len(parts[4]) == 12:
        return parts[4]
    return None


def applicable_options(role: Role) -> frozenset[str]:
    """The :class:`AssumeOptions` fields the STS API behind ``role`` accepts, so that a form (the TUI's assume
    dialog) offers only those: preflight refuses the others (e.g. a session name for a SAML role, whose
    RoleSessionName comes from the assertion, or a SourceIdentity for a federation entry)."""
    if role.kind is ProfileKind.SAML:
        return _COMMON_OPTIONS | {"saml_assertion"}
    if role.kind is ProfileKind.FEDERATION:
        return _COMMON_OPTIONS | {"tags", "session_name"}  # session_name: the federated user's Name
    if role.kind is ProfileKind.WEB_IDENTITY or role.web_identity_token_file:
        return _COMMON_OPTIONS | {"session_name"}
    if role.role_arn is None:
        return frozenset({"duration_seconds", "mfa_code", "region", "reason", "use_cache"})
    return _COMMON_OPTIONS | {"mfa_code", "tags", "transitive_tag_keys", "source_identity", "session_name",
                              "external_id"}


def _session_of(assumed_arn: str | None) -> str | None:
    """The RoleSessionName in ``arn:aws:sts::<account>:assumed-role/<role>/<session>`` (the IdP chose it)."""
    if not assumed_arn or ":assumed-role/" not in assumed_arn:
        return None
    return assumed_arn.rsplit("/", 1)[-1] or None


ASSERTION_COMMAND_TIMEOUT = 300  # seconds: room for an interactive IdP login, not for a hang


def _run_assertion_command(command: str, role_name: str) -> str:
    """Run ``saml_assertion_command`` without a shell and return what it printed on stdout.

    Its stdout is the assertion (a credential): it is never logged or put in an error. Its stderr is the
    user's terminal, so an interactive IdP login can prompt there. Raises ConfigError or StsError.
    """
    import shlex
    import subprocess

    where = f"{role_name}: saml_assertion_command"
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"saml_assertion_command is not a valid command line ({exc})", where=where) from None
    if not argv:
        raise ConfigError("saml_assertion_command is empty", where=where)
    argv[0] = os.path.expanduser(argv[0])
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, check=False,
                              timeout=ASSERTION_COMMAND_TIMEOUT)
    except FileNotFoundError:
        raise ConfigError(f"command not found: {argv[0]}", where=where) from None
    except PermissionError:
        raise ConfigError(f"command not executable: {argv[0]}", where=where) from None
    except subprocess.TimeoutExpired:
        raise StsError(f"{argv[0]} printed no assertion within {ASSERTION_COMMAND_TIMEOUT} s",
                       code="SamlAssertionCommand", where=where) from None
    except OSError as exc:
        raise ConfigError(f"cannot run {argv[0]}: {exc.strerror}", where=where) from None
    if done.returncode != 0:
        raise StsError(f"{argv[0]} failed with exit status {done.returncode}", code="SamlAssertionCommand",
                       hint="run it yourself to see why (roleswitch never shows its output)", where=where)
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{argv[0]} printed something that is not text", where=where) from None


def describe_plan(plan: Plan) -> Mapping[str, Any]:
    """A secret-free summary of a plan for a preview (TUI) or ``--dry-run`` (CLI)."""
    request = plan.request
    summary: dict[str, Any] = {"profile": plan.role.name, "api": str(plan.api), "region": plan.region,
                               "chained": plan.chained, "source": plan.source, "mfa_serial": plan.mfa_serial,
                               "reason": plan.reason, "duration_seconds": plan.duration_seconds}
    if request is not None:
        summary.update(role_arn=request.role_arn, session_name=request.session_name,
                       source_identity=request.source_identity, tags=dict(request.tags),
                       transitive_tag_keys=list(request.transitive_tag_keys),
                       external_id="****" if request.external_id else None,
                       policy=request.policy is not None, policy_arns=list(request.policy_arns))
    if isinstance(plan.call, SamlRequest):
        summary.update(role_arn=plan.call.role_arn, principal_arn=plan.call.principal_arn,
                       policy=plan.call.policy is not None, policy_arns=list(plan.call.policy_arns))
    elif isinstance(plan.call, FederationRequest):
        summary.update(federation_name=plan.call.name, tags=dict(plan.call.tags),
                       policy=plan.call.policy is not None, policy_arns=list(plan.call.policy_arns))
    if plan.notes:
        summary["notes"] = list(plan.notes)
    return summary
