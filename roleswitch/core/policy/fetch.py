"""Read what decides a role's permissions from IAM: managed and inline policies, the permissions boundary,
the trust policy and MaxSessionDuration; and the same for the original identity (user or role).

Every IAM read is best effort: a missing permission (or no network) never raises; it becomes a line in
``problems`` that names the permission that was refused, to whom, and what is still known. Reads can be
tried with several identities (the role session, then the source identity): each part is taken from the
first identity that may read it. Results are cached per role with a TTL (:class:`PolicyCache`).

boto3 clients are injected (``session.client("iam")``); this module only imports botocore's exceptions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from roleswitch.core.model import Clock, utcnow
from roleswitch.core.policy.evaluator import NamedPolicy
from roleswitch.core.policy.lint import as_document

_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
           "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch"}

# What each part of a role is called in messages, in the order they are reported.
_PARTS = {"role": "trust policy and MaxSessionDuration", "managed": "managed policies",
          "inline": "inline policies", "boundary": "permissions boundary", "tags": "role tags"}


@dataclass(frozen=True)
class RolePolicies:
    """Everything IAM says about a role's permissions; parts that could not be read are ``None``/empty and
    explained in ``problems`` (one line each: what failed, which permission, what is still known)."""

    role_arn: str
    identity: list[NamedPolicy] = field(default_factory=list)
    boundary: NamedPolicy | None = None
    trust: dict[str, Any] | None = None
    max_session_duration: int | None = None
    problems: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None
    read_with: tuple[str, ...] = ()
    boundary_arn: str | None = None

    @property
    def complete(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class PrincipalPolicies:
    """The policies of an original identity (IAM user with its groups, or a role) for the side-by-side view."""

    principal_arn: str
    kind: str  # "user" | "role" | "root" | "unknown"
    identity: list[NamedPolicy] = field(default_factory=list)
    boundary: NamedPolicy | None = None
    problems: list[str] = field(default_factory=list)


class _Failure(Exception):
    """One IAM read that failed, already worded; ``kind``/``api``/``who``/``target`` let several be merged."""

    def __init__(self, text: str, *, denied: bool = False, kind: str = "other", api: str = "",
                 who: str = "", target: str = "") -> None:
        super().__init__(text)
        self.text = text
        self.denied = denied
        self.kind = "denied" if denied else kind
        self.api = api
        self.who = who
        self.target = target


def _call(client: Any, api: str, who: str, target: str, **params: Any) -> dict[str, Any]:
    """Call ``client.<api>(**params)``; every failure becomes a worded :class:`_Failure`."""
    method = "".join(p.capitalize() for p in api.split("_"))
    try:
        return dict(getattr(client, api)(**params))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        if code in _DENIED:
            raise _Failure(f"iam:{method} was refused to {who} on {target}", denied=True, api=f"iam:{method}",
                           who=who, target=target) from None
        if code == "NoSuchEntity":
            raise _Failure(f"{target} does not exist for {who} (iam:{method}: NoSuchEntity)", kind="missing",
                           api=f"iam:{method}", who=who, target=target) from None
        raise _Failure(f"iam:{method} failed for {target}: {code}") from None
    except BotoCoreError as exc:
        # botocore messages name endpoints and files, never credentials.
        raise _Failure(f"iam:{method} could not be called for {target}: {exc}") from None


def _pages(client: Any, api: str, key: str, who: str, target: str, **params: Any) -> list[Any]:
    items: list[Any] = []
    marker: str | None = None
    for _ in range(100):  # 100 pages of 100: far beyond IAM's quotas
        page = _call(client, api, who, target, **params, **({"Marker": marker} if marker else {}))
        items.extend(page.get(key, []))
        if not page.get("IsTruncated"):
            break
        marker = page.get("Marker")
    return items


def _document(raw: Any, where: str) -> dict[str, Any]:
    try:
        doc = as_document(raw)
    except ValueError as exc:
        raise _Failure(f"the policy document of {where} is not valid JSON ({exc})") from None
    return doc or {}


def _managed_policy(client: Any, arn: str, who: str) -> NamedPolicy:
    policy = _call(client, "get_policy", who, arn, PolicyArn=arn)["Policy"]
    version = _call(client, "get_policy_version", who, arn, PolicyArn=arn,
                    VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    return _named(policy.get("PolicyName") or arn.rsplit("/", 1)[-1], _document(version.get("Document"), arn), arn)


@dataclass(frozen=True)
class FetchedPolicy(NamedPolicy):
    """A NamedPolicy read from IAM; ``arn`` is set for managed policies (``None`` for inline ones)."""

    arn: str | None = None


def _named(name: str, document: dict[str, Any], arn: str | None = None) -> NamedPolicy:
    return FetchedPolicy(name, document, arn)


def _role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[-1]


def _read_role_parts(client: Any, who: str, role_arn: str) -> dict[str, tuple[Any, _Failure | None]]:
    """Each part of a role read with one client: part -> (value, failure)."""
    name = _role_name(role_arn)
    parts: dict[str, tuple[Any, _Failure | None]] = {}

    def attempt(part: str, fn: Callable[[], Any]) -> Any:
        try:
            value = fn()
        except _Failure as failure:
            parts[part] = (None, failure)
            return None
        parts[part] = (value, None)
        return value

    role = attempt("role", lambda: _call(client, "get_role", who, role_arn, RoleName=name)["Role"])
    if role is not None and role.get("Arn") and role["Arn"] != role_arn:
        parts["role"] = (None, _Failure(f"{who} sees a different role named {name} ({role['Arn']})"))
        role = None

    def managed() -> list[NamedPolicy]:
        attached = _pages(client, "list_attached_role_policies", "AttachedPolicies", who, role_arn, RoleName=name)
        return [_managed_policy(client, item["PolicyArn"], who) for item in attached]

    def inline() -> list[NamedPolicy]:
        names = _pages(client, "list_role_policies", "PolicyNames", who, role_arn, RoleName=name)
        out = []
        for policy_name in names:
            body = _call(client, "get_role_policy", who, f"{role_arn} inline policy {policy_name}",
                         RoleName=name, PolicyName=policy_name)
            out.append(_named(policy_name, _document(body.get("PolicyDocument"), policy_name)))
        return out

    def tags() -> dict[str, str]:
        items = _pages(client, "list_role_tags", "Tags", who, role_arn, RoleName=name)
        return {str(t["Key"]): str(t["Value"]) for t in items}

    attempt("managed", managed)
    attempt("inline", inline)
    attempt("tags", tags)
    if role is not None:
        boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary_arn:
            attempt("boundary", lambda: _managed_policy(client, boundary_arn, who))
        else:
            parts["boundary"] = (None, None)
    return parts


def fetch_role_policies(iam_client: Any, role_arn: str, *, now: Clock = utcnow,
                        label: str = "the current identity") -> RolePolicies:
    """Read a role's policies with one IAM client. Never raises: failures go to ``problems``."""
    return fetch_role_policies_with([(label, iam_client)], role_arn, now=now)


def fetch_role_policies_with(clients: Sequence[tuple[str, Any]], role_arn: str, *,
                             now: Clock = utcnow) -> RolePolicies:
    """Read a role's policies, each part with the first of ``clients`` (label, iam client) that may.

    Labels name the identities in messages ("the role session", "your source identity alice").
    Never raises.
    """
    got: dict[str, Any] = {}
    failures: dict[str, list[_Failure]] = {}
    used: list[str] = []
    for who, client in clients:
        if client is None:
            continue
        missing = [p for p in _PARTS if p not in got]
        if not missing:
            break
        parts = _read_role_parts(client, who, role_arn)
        for part, (value, failure) in parts.items():
            if part in got:
                continue
            if failure is None:
                got[part] = value
                if who not in used:
                    used.append(who)
            else:
                failures.setdefault(part, []).append(failure)
    role = got.get("role")
    boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn") if role else None
    if role is not None and not boundary_arn:
        failures.pop("boundary", None)
    known = [text for part, text in _PARTS.items() if got.get(part) is not None
             or (part == "boundary" and role is not None and not boundary_arn)]
    still = ("still known: " + ", ".join(known)) if known else "nothing else is known"
    problems = []
    if not got and failures:
        problems = _merged_problems([f for reasons in failures.values() for f in reasons])
    for part, label in ([] if not got and failures else _PARTS.items()):
        if part in got:
            continue
        reasons = failures.get(part)
        if not reasons:
            if part == "boundary" and role is None:
                continue  # unknown only because GetRole failed: already reported
            if not clients or all(c is None for _, c in clients):
                problems.append(f"{label} unknown: no identity to read IAM with")
            continue
        problems.append(f"{label} unknown: " + "; ".join(dict.fromkeys(r.text for r in reasons)) + f" ({still})")
    if not [c for _, c in clients if c is not None]:
        problems = ["no identity to read IAM with: the role's policies are unknown"]
    trust = None
    if role is not None:
        try:
            trust = as_document(role.get("AssumeRolePolicyDocument"))
        except ValueError:
            problems.append("the trust policy returned by iam:GetRole is not valid JSON")
    return RolePolicies(
        role_arn=role_arn,
        identity=list(got.get("managed") or []) + list(got.get("inline") or []),
        boundary=got.get("boundary"),
        trust=trust,
        max_session_duration=int(role["MaxSessionDuration"]) if role and role.get("MaxSessionDuration") else None,
        problems=problems,
        tags=dict(got.get("tags") or {}),
        fetched_at=now(),
        read_with=tuple(used),
        boundary_arn=boundary_arn,
    )


def _merged_problems(failures: list[_Failure]) -> list[str]:
    """One line per (kind, reader, target) when nothing at all could be read, instead of one per part."""
    groups: dict[tuple[str, str, str], list[_Failure]] = {}
    for failure in failures:
        groups.setdefault((failure.kind, failure.who, failure.target), []).append(failure)
    lines = []
    for (kind, who, target), items in groups.items():
        apis = ", ".join(dict.fromkeys(f.api for f in items if f.api))
        if kind == "denied":
            lines.append(f"the role's policies are unknown: {apis} {'were' if ', ' in apis else 'was'} refused to "
                         f"{who} on {target}")
        elif kind == "missing":
            lines.append(f"the role's policies are unknown: {target} is not visible to {who} ({apis}: "
                         "NoSuchEntity); a role in another account can only be read with its own session")
        else:
            lines.append("the role's policies are unknown: " + "; ".join(dict.fromkeys(f.text for f in items)))
    return lines


def fetch_principal_policies(iam_client: Any, principal_arn: str, *,
                             label: str = "the current identity") -> PrincipalPolicies:
    """The policies of an original identity: an IAM user (its own, its groups', its boundary) or a role /
    role session (the role's). Root has every permission in its account. Never raises."""
    from roleswitch.core.policy.lint import parse_arn

    parts = parse_arn(principal_arn)
    resource = parts["resource"] if parts else ""
    if resource == "root":
        return PrincipalPolicies(principal_arn, "root", [_named("account root", {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})])
    if resource.startswith(("role/", "assumed-role/")) and parts:
        role_name = resource.split("/")[1] if resource.startswith("assumed-role/") else resource.rsplit("/", 1)[-1]
        role_arn = principal_arn if resource.startswith("role/") else \
            f"arn:{parts['partition']}:iam::{parts['account']}:role/{role_name}"
        if resource.startswith("assumed-role/"):
            # The session ARN has no path; ask IAM for the role's real ARN so GetRole's check matches.
            try:
                role_arn = _call(iam_client, "get_role", label, role_arn, RoleName=role_name)["Role"]["Arn"]
            except _Failure:
                pass
        fetched = fetch_role_policies(iam_client, role_arn, label=label)
        return PrincipalPolicies(principal_arn, "role", fetched.identity, fetched.boundary, fetched.problems)
    if not resource.startswith("user/"):
        return PrincipalPolicies(principal_arn, "unknown",
                                 problems=[f"{principal_arn} is not an IAM user or role: its policies are unknown"])
    user = resource.rsplit("/", 1)[-1]
    policies: list[NamedPolicy] = []
    problems: list[str] = []
    boundary = None

    def guard(what: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except _Failure as failure:
            problems.append(f"{what} unknown: {failure.text}")

    def attached() -> None:
        for item in _pages(iam_client, "list_attached_user_policies", "AttachedPolicies", label, principal_arn,
                           UserName=user):
            policies.append(_managed_policy(iam_client, item["PolicyArn"], label))

    def inline() -> None:
        for name in _pages(iam_client, "list_user_policies", "PolicyNames", label, principal_arn, UserName=user):
            body = _call(iam_client, "get_user_policy", label, principal_arn, UserName=user, PolicyName=name)
            policies.append(_named(name, _document(body.get("PolicyDocument"), name)))

    def groups() -> None:
        for group in _pages(iam_client, "list_groups_for_user", "Groups", label, principal_arn, UserName=user):
            gname = group["GroupName"]
            for item in _pages(iam_client, "list_attached_group_policies", "AttachedPolicies", label,
                               f"group {gname}", GroupName=gname):
                policies.append(_managed_policy(iam_client, item["PolicyArn"], label))
            for name in _pages(iam_client, "list_group_policies", "PolicyNames", label, f"group {gname}",
                               GroupName=gname):
                body = _call(iam_client, "get_group_policy", label, f"group {gname}", GroupName=gname,
                             PolicyName=name)
                policies.append(_named(f"{gname}/{name}", _document(body.get("PolicyDocument"), name)))

    def user_boundary() -> None:
        nonlocal boundary
        info = _call(iam_client, "get_user", label, principal_arn, UserName=user)["User"]
        arn = (info.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if arn:
            boundary = _managed_policy(iam_client, arn, label)

    guard("the user's managed policies", attached)
    guard("the user's inline policies", inline)
    guard("the user's group policies", groups)
    guard("the user's permissions boundary", user_boundary)
    return PrincipalPolicies(principal_arn, "user", policies, boundary, problems)


def session_policies(policy_json: str | None = None, policy_arns: Iterable[str] = (),
                     iam_client: Any = None, *, label: str = "the current identity",
                     ) -> tuple[list[NamedPolicy], list[str]]:
    """The session policies given at assume time (inline JSON and managed ARNs) and problems reading them.

    A session policy only narrows what the role allows. Never raises.
    """
    out: list[NamedPolicy] = []
    problems: list[str] = []
    if policy_json:
        try:
            out.append(_named("session policy", as_document(policy_json) or {}))
        except ValueError as exc:
            problems.append(f"the session policy is not valid JSON ({exc})")
    for arn in policy_arns:
        if iam_client is None:
            problems.append(f"session policy {arn} unknown: no identity to read IAM with")
            continue
        try:
            out.append(_managed_policy(iam_client, arn, label))
        except _Failure as failure:
            problems.append(f"session policy {arn} unknown: {failure.text}")
    return out, problems


class PolicyCache:
    """RolePolicies per key (role ARN + who read it) for ``ttl_seconds``; thread-safe, in memory.

    ``get_or_fetch`` runs the fetch outside the lock (IAM calls are slow) and keeps the first result.
    """

    def __init__(self, ttl_seconds: float = 300.0, *, now: Clock = utcnow, max_entries: int = 256) -> None:
        self.ttl_seconds = ttl_seconds
        self.now = now
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[datetime, Any]] = {}

    def get(self, key: str) -> Any | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            stored, value = hit
            if (self.now() - stored).total_seconds() >= self.ttl_seconds:
                del self._entries[key]
                return None
            return value

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries and key not in self._entries:
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                del self._entries[oldest]
            self._entries[key] = (self.now(), value)

    def invalidate(self, key: str | None = None) -> None:
        """Forget one key, or everything."""
        with self._lock:
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)

    def get_or_fetch(self, key: str, fetch: Callable[[], Any]) -> Any:
        hit = self.get(key)
        if hit is not None:
            return hit
        value = fetch()
        self.put(key, value)
        return value

    @staticmethod
    def key(role_arn: str, readers: Iterable[str] = ()) -> str:
        return role_arn + "|" + ",".join(readers)


#: The process-wide cache the TUI and CLI share.
DEFAULT_CACHE = PolicyCache()


def cached_role_policies(clients: Sequence[tuple[str, Any]], role_arn: str, *,
                         cache: PolicyCache | None = None, now: Clock = utcnow, refresh: bool = False,
                         ) -> RolePolicies:
    """:func:`fetch_role_policies_with` through a TTL cache keyed by role and reader labels."""
    cache = cache or DEFAULT_CACHE
    key = PolicyCache.key(role_arn, [who for who, _ in clients])
    if refresh:
        cache.invalidate(key)
    return cache.get_or_fetch(key, lambda: fetch_role_policies_with(clients, role_arn, now=now))


def account_names_from(accounts: Mapping[str, Any]) -> dict[str, str]:
    """account id -> alias from settings accounts (alias -> Account), for plain-words trust output."""
    return {str(getattr(a, "id", "")): alias for alias, a in accounts.items() if getattr(a, "id", None)}


# -- which identities may read IAM for a role --------------------------------------------------------------

def _iam_from_credentials(creds: Any, region: str) -> Any:
    from roleswitch.core.engine import shared_boto_session
    from roleswitch.core.sts import make_client

    session = shared_boto_session(aws_access_key_id=creds.access_key_id,
                                  aws_secret_access_key=creds.secret_access_key,
                                  aws_session_token=creds.session_token, region_name=region)
    return make_client(session, "iam", region=region, max_attempts=2)


def role_readers(engine: Any, role: Any, session: Any = None, *, assume: bool = False,
                 region: str | None = None) -> tuple[list[tuple[str, Any]], list[str], Any]:
    """IAM clients that may read ``role``'s policies, best first: (readers, notes, session used).

    1. the role session: ``session`` if given, else (``assume``) one from the engine when no MFA code would
       be needed (a cached session costs no STS call);
    2. the source identity: its profile's credentials through botocore, unless the source is itself a
       role (botocore would assume it and might prompt for MFA).

    Never raises: what could not be set up is worded in ``notes``.
    """
    from roleswitch.core.errors import RoleswitchError

    region = region or getattr(role, "region", None) or "us-east-1"
    readers: list[tuple[str, Any]] = []
    notes: list[str] = []
    if session is None and assume and getattr(role, "role_arn", None):
        try:
            if engine.needs_mfa_code(role):
                notes.append(f"{role.name} needs an MFA code, so its session was not used to read IAM")
            else:
                session = engine.obtain(role)
        except RoleswitchError as exc:
            notes.append(f"could not assume {role.name} to read its policies: {exc.one_line()}")
        except Exception as exc:  # noqa: BLE001 - reading policies must never crash the caller
            notes.append(f"could not assume {role.name} to read its policies: {type(exc).__name__}")
    if session is not None:
        try:
            readers.append(("the role session", _iam_from_credentials(session.credentials,
                                                                      session.region or region)))
        except Exception as exc:  # noqa: BLE001
            notes.append(f"the role session cannot make an IAM client: {type(exc).__name__}")
    source = getattr(role, "source_profile", None)
    if source and not getattr(role, "chained", False):
        try:
            from roleswitch.core.engine import shared_boto_session
            from roleswitch.core.sts import make_client

            boto = shared_boto_session(profile_name=source, region_name=region)
            readers.append((f"source profile {source}", make_client(boto, "iam", region=region, max_attempts=2)))
        except Exception as exc:  # noqa: BLE001 - botocore raises ProfileNotFound and friends
            notes.append(f"source profile {source} cannot read IAM: {type(exc).__name__}")
    return readers, notes, session


def source_caller(role: Any, *, region: str | None = None) -> tuple[str | None, Any]:
    """(caller ARN, boto3 session) of ``role``'s source profile, ``(None, None)`` when it cannot be known
    without prompting (no source profile, or the source is itself a role). Never raises."""
    source = getattr(role, "source_profile", None)
    if not source or getattr(role, "chained", False):
        return None, None
    region = region or getattr(role, "region", None) or "us-east-1"
    try:
        from roleswitch.core.engine import shared_boto_session
        from roleswitch.core.sts import get_caller_identity, make_client

        boto = shared_boto_session(profile_name=source, region_name=region)
        return get_caller_identity(make_client(boto, "sts", region=region, max_attempts=2))["Arn"], boto
    except Exception:  # noqa: BLE001 - unknown is an answer here
        return None, None


def source_identity_policies(role: Any, *, region: str | None = None) -> tuple[str | None, PrincipalPolicies | None]:
    """(caller ARN, policies) of ``role``'s source identity, for "what you could do before AssumeRole".

    ``(None, None)`` when the source identity is unknown (see :func:`source_caller`). Never raises.
    """
    caller, boto = source_caller(role, region=region)
    if caller is None:
        return None, None
    from roleswitch.core.sts import make_client

    region = region or getattr(role, "region", None) or "us-east-1"
    iam = make_client(boto, "iam", region=region, max_attempts=2)
    return caller, fetch_principal_policies(iam, caller, label=f"source profile {role.source_profile}")


_THIRD_PARTY_ENVIRONMENTS = frozenset({"third-party", "thirdparty", "vendor", "partner", "external", "customer"})


def own_accounts_from(accounts: Mapping[str, Any]) -> set[str]:
    """Ids of the user's own accounts from settings (an account whose environment says third-party, vendor,
    partner, external or customer is not one of them: trusting it needs an External ID)."""
    return {str(a.id) for a in accounts.values() if getattr(a, "id", None)
            and str(getattr(a, "environment", "") or "").lower() not in _THIRD_PARTY_ENVIRONMENTS}


def read_role_policies(engine: Any, role: Any, session: Any = None, *, assume: bool = True,
                       cache: PolicyCache | None = None, refresh: bool = False, now: Clock = utcnow,
                       ) -> tuple[RolePolicies, list[str], Any]:
    """A role's policies read "with the source identity or the session, whichever may": (policies, notes,
    session used).

    Order: the live ``session`` (if any), then the source profile; when that leaves parts unknown and
    ``assume`` is set, a role session from the engine (a cached one, or a new one when no MFA code is
    needed), then everything again with it first. Never raises.
    """
    readers, notes, used = role_readers(engine, role, session, assume=False)
    policies = cached_role_policies(readers, role.role_arn, cache=cache, now=now, refresh=refresh)
    if policies.problems and assume and used is None and engine is not None:
        more, more_notes, used = role_readers(engine, role, None, assume=True)
        notes += more_notes
        if used is not None:
            policies = cached_role_policies(more, role.role_arn, cache=cache, now=now, refresh=refresh)
    return policies, list(dict.fromkeys(notes)), used
