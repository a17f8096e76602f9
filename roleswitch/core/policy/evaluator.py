"""A local IAM policy evaluator for identity-based access (pure stdlib: no boto3, no network).

It follows "Policy evaluation logic" of the IAM User Guide for a request made by one principal within one
account, without resource-based policies or SCPs:

1. an explicit ``Deny`` in any policy (identity, permissions boundary, session) wins;
2. otherwise the request is allowed only when an identity policy allows it, AND the permissions boundary
   allows it (when one is set), AND a session policy allows it (when session policies were passed);
3. anything else is an implicit deny.

Statements: ``Action``/``NotAction`` (case-insensitive, ``*``/``?``), ``Resource``/``NotResource``
(case-sensitive, wildcards kept inside their ARN segment unless they end it), ``Statement`` as an object or
a list, every element as a single value or a list, ``Condition`` (see :mod:`.conditions`), policy variables
(see :mod:`.patterns`) in 2012-10-17 policies only. A policy document is compiled once (cached by
identity: treat documents as immutable once evaluated) so a query over 1,000 statements takes ~1 ms.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from roleswitch.core.errors import ValidationError
from roleswitch.core.policy.conditions import CompiledCondition, compile_condition_block
from roleswitch.core.policy.patterns import (
    Context,
    LazyRegex,
    Part,
    Template,
    compile_regex,
    is_plain,
    parse_template,
    parts_text,
    wildcard_regex_source,
)

DecisionKind = Literal["allowed", "implicitDeny", "explicitDeny"]
ALLOWED: DecisionKind = "allowed"
IMPLICIT_DENY: DecisionKind = "implicitDeny"
EXPLICIT_DENY: DecisionKind = "explicitDeny"

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"

__all__ = [
    "ALLOWED", "EXPLICIT_DENY", "IMPLICIT_DENY", "Decision", "MatchedStatement", "NamedPolicy", "Request",
    "compile_policy", "context_from_session", "evaluate", "load_policy_text", "normalize_context",
    "resources_allowing", "session_context",
]


# --------------------------------------------------------------------------------------------- data

def normalize_context(context: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    """Lower-case the keys (IAM condition keys are case-insensitive) and make every value a tuple of str.

    A bare string becomes a one-value tuple; keys differing only in case are merged.
    """
    out: dict[str, tuple[str, ...]] = {}
    for key, value in (context or {}).items():
        if isinstance(value, str):
            values: tuple[str, ...] = (value,)
        elif isinstance(value, bool):
            values = ("true" if value else "false",)
        else:
            values = tuple("true" if v is True else "false" if v is False else str(v) for v in value)
        lowered = str(key).lower()
        out[lowered] = out.get(lowered, ()) + values
    return out


@dataclass(frozen=True)
class Request:
    """What is asked: ``action`` (``s3:GetObject``), ``resource`` (an ARN or ``*``) and the request context.

    ``context`` maps condition keys (any case) to their values; a key with several values is multivalued
    (``aws:TagKeys``). It is normalised on construction: keys lower-cased, values tuples of str.
    """

    action: str
    resource: str = "*"
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "context", normalize_context(self.context))


@dataclass(frozen=True)
class NamedPolicy:
    """A policy document (the parsed JSON object) and the name used to report it.

    The compiled form is cached by the document's identity: do not mutate a document after evaluating it
    (build a new dict instead).
    """

    name: str
    document: dict[str, Any] = field(repr=False)


class PolicyLike(Protocol):
    """Anything with a ``name`` and a ``document`` (so other modules' policy records work too)."""

    @property
    def name(self) -> str: ...

    @property
    def document(self) -> Any: ...


@dataclass(frozen=True)
class MatchedStatement:
    """A statement that decided (or took part in) a decision.

    ``statement`` is the statement's ``Sid`` or, without one, its 0-based index in the policy.
    ``effect`` is "Allow" or "Deny"; ``source`` is "identity", "boundary" or "session".
    """

    policy: str
    statement: str | int
    effect: str = "Allow"
    source: str = "identity"

    def to_dict(self) -> dict[str, str | int]:
        """The JSON shape of ``can-i --json``: ``{"policy": ..., "statement": ...}``."""
        return {"policy": self.policy, "statement": self.statement}

    def label(self) -> str:
        """``Policy/Sid`` or ``Policy/#3`` for one-line messages."""
        statement = f"#{self.statement}" if isinstance(self.statement, int) else self.statement
        return f"{self.policy}/{statement}"


@dataclass(frozen=True)
class Decision:
    """The answer: ``decision`` with the deciding statements in ``matched``.

    ``matched`` holds every matching Deny for ``explicitDeny``, every matching Allow (identity, boundary
    and session) for ``allowed``, and nothing for ``implicitDeny``, where ``partial`` keeps the Allows
    that matched in some layers but not all and ``reason`` says which layer was missing.
    """

    decision: DecisionKind
    matched: tuple[MatchedStatement, ...] = ()
    reason: str = ""
    partial: tuple[MatchedStatement, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED

    def to_dict(self) -> dict[str, Any]:
        """``{"decision": ..., "matched": [{"policy": ..., "statement": ...}]}``."""
        return {"decision": self.decision, "matched": [m.to_dict() for m in self.matched]}


# -------------------------------------------------------------------------------------- compilation

_WHOLE_ACTION = re.compile(r"^[^:]+:[^:]+$")


@dataclass(frozen=True, slots=True)
class _ActionSet:
    """Compiled Action/NotAction values: exact lower-case names, ``prefix*`` patterns (the common case,
    tested with startswith) and one lazily compiled regex for any other wildcard pattern."""

    match_all: bool
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    regex: LazyRegex | None

    def matches(self, action_lower: str) -> bool:
        if self.match_all or action_lower in self.exact:
            return True
        if self.prefixes and action_lower.startswith(self.prefixes):
            return True
        return self.regex is not None and self.regex.fullmatch(action_lower)


@dataclass(frozen=True, slots=True)
class _ResourceSet:
    """Compiled Resource/NotResource values: static ones prebuilt, variable ones resolved per request."""

    match_all: bool
    exact: frozenset[str]
    regex: LazyRegex | None
    templates: tuple[Template, ...]  # the values holding policy variables
    values: tuple[str, ...] = ()  # as written, for messages

    def matches(self, resource: str, context: Context) -> bool | None:
        """Whether ``resource`` matches a value; ``None`` when a variable cannot be resolved."""
        if self.match_all or resource in self.exact:
            return True
        if self.regex is not None and self.regex.fullmatch(resource):
            return True
        unresolved = False
        for template in self.templates:
            parts = template.resolve(context)
            if parts is None:
                unresolved = True
                continue
            if is_plain(parts):
                if parts_text(parts) == resource:
                    return True
            elif compile_regex(wildcard_regex_source(parts, mode="resource"), False).fullmatch(resource):
                return True
        return None if unresolved else False


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    """One statement ready to test: effect, action set, resource set, conditions and its label."""

    label: str | int
    deny: bool
    actions: _ActionSet
    not_action: bool
    resources: _ResourceSet
    not_resource: bool
    conditions: tuple[CompiledCondition, ...]

    def applies(self, action_lower: str, resource: str, context: Context) -> bool:
        """True when the statement applies to the request (its Effect then counts)."""
        if self.actions.matches(action_lower) == self.not_action:
            return False
        resource_match = self.resources.matches(resource, context)
        if resource_match is None:
            return False  # an unresolvable variable makes the statement not match, Allow or Deny
        if resource_match == self.not_resource:
            return False
        for condition in self.conditions:
            if not condition.test(context):  # False, or None for an unresolvable variable
                return False
        return True


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A compiled policy document (the name is attached at evaluation time)."""

    version: str
    statements: tuple[CompiledStatement, ...]


def _as_list(value: Any, *, element: str, where: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise ValidationError(f"{element} is an empty list", hint="give at least one value", where=where)
    for v in values:
        if not isinstance(v, str):
            raise ValidationError(f"{element} value {v!r} is not a string", where=where)
    return values


def _compile_actions(values: list[str], *, where: str) -> _ActionSet:
    exact: set[str] = set()
    prefixes: list[str] = []
    patterns: list[str] = []
    for value in values:
        if value == "*":
            return _ActionSet(True, frozenset(), (), None)
        if not _WHOLE_ACTION.match(value):
            raise ValidationError(f"action {value!r} is not service:Action", hint='e.g. "s3:GetObject"',
                                  where=where)
        lowered = value.lower()
        head = lowered[:-1]
        if lowered.endswith("*") and "*" not in head and "?" not in head:
            prefixes.append(head)
        elif "*" in lowered or "?" in lowered:
            patterns.append(wildcard_regex_source((lowered,)))
        else:
            exact.add(lowered)
    regex = LazyRegex("|".join(f"(?:{p})" for p in patterns), True) if patterns else None
    return _ActionSet(False, frozenset(exact), tuple(prefixes), regex)


def _compile_resources(values: list[str], *, variables: bool) -> _ResourceSet:
    exact: set[str] = set()
    patterns: list[tuple[Part, ...]] = []
    templates: list[Template] = []
    for value in values:
        if value == "*":
            return _ResourceSet(True, frozenset(), None, ())
        if variables and "${" in value:
            template = parse_template(value, variables=True)
            if template.has_variables:
                templates.append(template)
                continue
            parts = template.parts
        else:
            parts = (value,)
        if is_plain(parts):
            exact.add(parts_text(parts))
        else:
            patterns.append(parts)
    regex = None
    if patterns:
        regex = LazyRegex(lambda: "|".join(f"(?:{wildcard_regex_source(p, mode='resource')})" for p in patterns))
    return _ResourceSet(False, frozenset(exact), regex, tuple(templates), tuple(values))


def _compile_statement(raw: Any, index: int, *, variables: bool, where: str) -> CompiledStatement:
    if not isinstance(raw, Mapping):
        raise ValidationError("a statement must be a JSON object", where=where)
    sid = raw.get("Sid")
    label: str | int = sid if isinstance(sid, str) and sid else index
    here = f"{where}({sid})" if isinstance(label, str) else where
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ValidationError(f"Effect is {effect!r}", hint='allowed: "Allow" or "Deny"', where=here)
    if ("Action" in raw) == ("NotAction" in raw):
        raise ValidationError("a statement needs exactly one of Action or NotAction", where=here)
    if ("Resource" in raw) == ("NotResource" in raw):
        raise ValidationError("a statement needs exactly one of Resource or NotResource", where=here)
    action_key = "Action" if "Action" in raw else "NotAction"
    resource_key = "Resource" if "Resource" in raw else "NotResource"
    actions = _compile_actions(_as_list(raw[action_key], element=action_key, where=here), where=here)
    resources = _compile_resources(_as_list(raw[resource_key], element=resource_key, where=here),
                                   variables=variables)
    conditions: tuple[CompiledCondition, ...] = ()
    if raw.get("Condition"):
        conditions = compile_condition_block(raw["Condition"], variables=variables, where=f"{here}.Condition")
    return CompiledStatement(label, effect == "Deny", actions, action_key == "NotAction", resources,
                             resource_key == "NotResource", conditions)


def compile_policy(document: Any, *, name: str = "policy") -> CompiledPolicy:
    """Compile a policy document; raises ValidationError (``where`` = policy name and statement) if invalid."""
    if not isinstance(document, Mapping):
        raise ValidationError("a policy document must be a JSON object", where=name)
    version = document.get("Version", VERSION_2008)
    if version not in (VERSION_2012, VERSION_2008):
        raise ValidationError(f"Version {version!r} is not an IAM policy version",
                              hint=f'allowed: "{VERSION_2012}" or "{VERSION_2008}"', where=name)
    if "Statement" not in document:
        raise ValidationError("the policy has no Statement", where=name)
    raw_statements = document["Statement"]
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise ValidationError("Statement must be an object or a list of objects", where=name)
    variables = version == VERSION_2012
    return CompiledPolicy(version, tuple(
        _compile_statement(raw, i, variables=variables, where=f"{name}: Statement[{i}]")
        for i, raw in enumerate(raw_statements)
    ))


class _CompileCache:
    """Compiled policies keyed by the identity of their document (the document is kept alive with it)."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._items: OrderedDict[int, tuple[Any, CompiledPolicy]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, policy: PolicyLike) -> CompiledPolicy:
        document = policy.document
        key = id(document)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] is document:
                self._items.move_to_end(key)
                return hit[1]
        compiled = compile_policy(document, name=policy.name)
        with self._lock:
            self._items[key] = (document, compiled)
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return compiled


_CACHE = _CompileCache()


# Where the AWS CLI's answers keep a policy document: get-role-policy / get-user-policy / get-group-policy
# ("PolicyDocument") and get-policy-version ("PolicyVersion" -> "Document").
_WRAPPERS: tuple[tuple[str, ...], ...] = (("PolicyDocument",), ("PolicyVersion", "Document"))


def _unwrap(document: Any, name: str) -> Any:
    if not isinstance(document, Mapping) or "Statement" in document:
        return document
    for path in _WRAPPERS:
        inner: Any = document
        for key in path:
            inner = inner.get(key) if isinstance(inner, Mapping) else None
        if isinstance(inner, str):  # IAM returns documents URL-encoded
            from urllib.parse import unquote

            try:
                inner = json.loads(unquote(inner) if inner.lstrip().startswith("%") else inner)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"{'.'.join(path)} is not valid JSON: {exc.msg}", where=name) from None
        if isinstance(inner, Mapping):
            return inner
    return document


def load_policy_text(text: str, *, name: str) -> NamedPolicy:
    """Parse and validate a JSON policy; raises ValidationError with the JSON error's line and column.

    Also accepts what ``aws iam get-role-policy`` / ``get-policy-version`` print (the document inside).
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                              hint="a policy is a JSON object with Version and Statement", where=name) from None
    policy = NamedPolicy(name, _unwrap(document, name))
    _CACHE.get(policy)  # validate now: a broken policy fails at load time with its location
    return policy


# --------------------------------------------------------------------------------------- evaluation

def _scan(policies: Iterable[PolicyLike], source: str, action_lower: str, resource: str, context: Context,
          ) -> tuple[list[MatchedStatement], list[MatchedStatement]]:
    """Matching (allows, denies) of one layer of policies."""
    allows: list[MatchedStatement] = []
    denies: list[MatchedStatement] = []
    for policy in policies:
        compiled = _CACHE.get(policy)
        for statement in compiled.statements:
            if statement.applies(action_lower, resource, context):
                if statement.deny:
                    denies.append(MatchedStatement(policy.name, statement.label, "Deny", source))
                else:
                    allows.append(MatchedStatement(policy.name, statement.label, "Allow", source))
    return allows, denies


def evaluate(request: Request, identity_policies: Sequence[PolicyLike], *, boundary: PolicyLike | None = None,
             session_policies: Sequence[PolicyLike] = ()) -> Decision:
    """Decide ``request`` against identity policies, an optional permissions boundary and session policies.

    Raises ValidationError when a policy document is malformed (naming the policy and statement).
    """
    action_lower = request.action.lower()
    resource = request.resource
    context = request.context
    id_allows, denies = _scan(identity_policies, "identity", action_lower, resource, context)
    b_allows: list[MatchedStatement] = []
    s_allows: list[MatchedStatement] = []
    if boundary is not None:
        b_allows, b_denies = _scan((boundary,), "boundary", action_lower, resource, context)
        denies += b_denies
    if session_policies:
        s_allows, s_denies = _scan(session_policies, "session", action_lower, resource, context)
        denies += s_denies
    what = f"{request.action} on {resource}"
    if denies:
        return Decision(EXPLICIT_DENY, tuple(denies),
                        f"{what} is explicitly denied by {', '.join(d.label() for d in denies)}")
    partial = tuple(id_allows + b_allows + s_allows)
    if not id_allows:
        return Decision(IMPLICIT_DENY, (), f"no identity policy allows {what}", partial)
    if boundary is not None and not b_allows:
        return Decision(IMPLICIT_DENY, (),
                        f"the permissions boundary {boundary.name} does not allow {what}", partial)
    if session_policies and not s_allows:
        return Decision(IMPLICIT_DENY, (), f"no session policy allows {what}", partial)
    return Decision(ALLOWED, partial, f"{what} is allowed by {', '.join(m.label() for m in partial)}")


def resources_allowing(action: str, policies: Sequence[PolicyLike]) -> tuple[str, ...]:
    """Resource patterns of the Allow statements whose Action covers ``action`` (conditions ignored).

    For the hint "this is allowed on specific resources: pass RESOURCE" when a query with resource ``*``
    is implicitly denied (``*`` only matches statements whose Resource is ``*``, as in IAM's simulator).
    """
    action_lower = action.lower()
    found: dict[str, None] = {}
    for policy in policies:
        for statement in _CACHE.get(policy).statements:
            if statement.deny or statement.not_resource or statement.resources.match_all:
                continue
            if statement.actions.matches(action_lower) != statement.not_action:
                found.update(dict.fromkeys(statement.resources.values))
    return tuple(found)


# ------------------------------------------------------------------------------------------ context

def context_from_session(
    tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    source_identity: str | None = None,
    username: str | None = None,
    userid: str | None = None,
    *,
    principal_arn: str | None = None,
    account_id: str | None = None,
    mfa_present: bool | None = None,
    region: str | None = None,
    now: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, tuple[str, ...]]:
    """The request context a session implies: session tags as ``aws:PrincipalTag/<key>``,
    ``aws:SourceIdentity``, ``aws:username``,
    ``aws:userid``, ``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:MultiFactorAuthPresent``,
    ``aws:RequestedRegion``, ``aws:CurrentTime``/``aws:EpochTime`` (from ``now``), then ``extra`` merged in
    (its values override). Keys come back lower-cased, ready for :class:`Request`.
    """
    context: dict[str, tuple[str, ...]] = {}
    pairs = tags.items() if isinstance(tags, Mapping) else tags
    for key, value in pairs:
        context[f"aws:principaltag/{key}".lower()] = (value,)
    for key, value in (
        ("aws:SourceIdentity", source_identity),
        ("aws:username", username),
        ("aws:userid", userid),
        ("aws:PrincipalArn", principal_arn),
        ("aws:PrincipalAccount", account_id),
        ("aws:RequestedRegion", region),
    ):
        if value is not None:
            context[key.lower()] = (value,)
    if mfa_present is not None:
        context["aws:multifactorauthpresent"] = ("true" if mfa_present else "false",)
    if now is not None:
        context["aws:currenttime"] = (now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),)
        context["aws:epochtime"] = (str(int(now.timestamp())),)
    for key, values in normalize_context(extra).items():
        context[key] = values
    return context


def session_context(session: Any, *, role_tags: Mapping[str, str] | None = None, region: str | None = None,
                    extra: Mapping[str, Any] | None = None) -> dict[str, tuple[str, ...]]:
    """The request context of a :class:`roleswitch.core.model.Session`: the role's tags overlaid by the
    session tags (session tags win, as in STS) as ``aws:PrincipalTag/*``, its SourceIdentity, the role ARN
    as ``aws:PrincipalArn``, its account and region; ``extra`` (e.g. ``--context``) overrides all."""
    tags = dict(role_tags or {})
    tags.update(dict(getattr(session, "tags", ()) or ()))
    return context_from_session(
        tags, getattr(session, "source_identity", None),
        principal_arn=getattr(session, "role_arn", None), account_id=getattr(session, "account_id", None),
        region=region or getattr(session, "region", None), extra=extra)
