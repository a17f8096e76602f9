"""Effective permissions, summarised: which actions a set of policies allows, by service and access level.

Wildcards (``*``, ``s3:Get*``, ``NotAction``) are expanded against the IAM action catalogue
(:mod:`roleswitch.core.policy.catalog`). The result answers "what can this session do?" at the level of
actions; resource patterns and conditions are kept per action for the drill-down, and a condition (or a
resource) that depends on ``aws:PrincipalTag/...`` - which session tags set - is flagged, because the answer
then changes with the tags given at assume time.

The model (AWS's evaluation logic, at the level of actions):
  allowed = identity allows  ∩  permissions-boundary allows (if any)  ∩  session-policy allows (if any)
            minus actions denied unconditionally on every resource (explicit Deny wins).
A Deny that has conditions or names specific resources does not remove the action; it is shown as a limit.
For a yes/no answer on one request (resource and context included) use the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from roleswitch.core.policy.catalog import ACCESS_LEVELS, UNKNOWN_LEVEL, ActionCatalog, load_catalog
from roleswitch.core.policy.lint import _as_list, allows_action, condition_entries, statements

_TAG_KEY = "aws:principaltag/"


@dataclass(frozen=True)
class StatementRef:
    """Where a grant or a limit comes from: policy name, statement index and Sid, resources, conditions."""

    policy: str
    index: int
    sid: str | None
    effect: str
    resources: tuple[str, ...]
    conditions: tuple[str, ...]
    tag_keys: tuple[str, ...]   # session (principal) tag keys the statement depends on

    @property
    def conditional(self) -> bool:
        return bool(self.conditions)

    @property
    def tag_dependent(self) -> bool:
        return bool(self.tag_keys)

    @property
    def everywhere(self) -> bool:
        """True when the statement applies to every resource ("*") with no condition."""
        return not self.conditions and self.resources == ("*",)

    def label(self) -> str:
        return f"{self.policy}#{self.sid or self.index}"


@dataclass(frozen=True)
class ActionGrant:
    """One allowed action for the drill-down, with what allows it and what limits it."""

    action: str
    service: str
    access_level: str
    allowed_by: tuple[StatementRef, ...]
    limited_by: tuple[StatementRef, ...] = ()   # conditional / resource-scoped Deny, boundary, session policy

    @property
    def resources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for ref in self.allowed_by:
            for resource in ref.resources:
                seen.setdefault(resource, None)
        return tuple(seen)

    @property
    def conditional(self) -> bool:
        """True when every statement allowing it has a condition (so it is not allowed unconditionally)."""
        return all(ref.conditional for ref in self.allowed_by)

    @property
    def tag_dependent(self) -> bool:
        return any(ref.tag_dependent for ref in self.allowed_by) or any(r.tag_dependent for r in self.limited_by)


@dataclass(frozen=True)
class ServiceSummary:
    """Counts of allowed actions of one service, per access level."""

    prefix: str
    name: str
    counts: Mapping[str, int]
    total: int
    available: int          # how many actions the service has in the catalogue
    conditional: int = 0    # allowed only under conditions
    tag_dependent: int = 0  # depend on session tags

    @property
    def full(self) -> bool:
        return self.available > 0 and self.total >= self.available


@dataclass
class PermissionSummary:
    """The effective permissions of a set of policies. ``actions(prefix)`` gives the drill-down."""

    services: list[ServiceSummary]
    total: int
    counts: dict[str, int]
    tag_keys: tuple[str, ...]
    notes: list[str] = field(default_factory=list)
    _grants: dict[str, dict[str, tuple[tuple[StatementRef, ...], tuple[StatementRef, ...]]]] = field(
        default_factory=dict, repr=False)
    _catalog: ActionCatalog | None = field(default=None, repr=False)

    def service(self, prefix: str) -> ServiceSummary | None:
        for item in self.services:
            if item.prefix == prefix.lower():
                return item
        return None

    def actions(self, prefix: str) -> list[ActionGrant]:
        """The allowed actions of one service, sorted by access level then name."""
        grants = self._grants.get(prefix.lower(), {})
        out = []
        for name, (allowed, limits) in grants.items():
            level = self._catalog.access_level(name) if self._catalog else UNKNOWN_LEVEL
            out.append(ActionGrant(name, prefix.lower(), level, allowed, limits))
        order = {level: i for i, level in enumerate((*ACCESS_LEVELS, UNKNOWN_LEVEL))}
        return sorted(out, key=lambda g: (order.get(g.access_level, 99), g.action.lower()))

    def allows(self, action: str) -> bool:
        """True when ``action`` (exact name) is in the summary (possibly only under conditions)."""
        prefix = action.split(":", 1)[0].lower()
        return any(name.lower() == action.lower() for name in self._grants.get(prefix, {}))


# -- building ---------------------------------------------------------------------------------------------

def _policy_name_doc(policy: Any, fallback: str) -> tuple[str, Mapping[str, Any] | None]:
    if policy is None:
        return fallback, None
    if isinstance(policy, Mapping):
        return fallback, policy
    return str(getattr(policy, "name", None) or fallback), getattr(policy, "document", None)


def _tag_keys(st: Mapping[str, Any], resources: Sequence[str]) -> tuple[str, ...]:
    keys: dict[str, None] = {}
    texts = list(resources)
    for _op, key, values in condition_entries(st):
        if key.lower().startswith(_TAG_KEY):
            keys.setdefault(key.split("/", 1)[1], None)
        texts.extend(values)
    for text in texts:
        lowered = text.lower()
        start = 0
        while (pos := lowered.find("${" + _TAG_KEY, start)) >= 0:
            end = lowered.find("}", pos)
            if end < 0:
                break
            keys.setdefault(text[pos + 2 + len(_TAG_KEY):end].split(",")[0].strip(), None)
            start = end
    return tuple(keys)


def _ref(policy: str, index: int, st: Mapping[str, Any]) -> StatementRef:
    if "NotResource" in st:
        resources = tuple(f"NOT {r}" for r in _as_list(st["NotResource"]))
    else:
        resources = tuple(str(r) for r in _as_list(st.get("Resource"))) or ("*",)
    conditions = tuple(f"{op} {key} = {', '.join(values)}" for op, key, values in condition_entries(st))
    return StatementRef(policy, index, st.get("Sid"), str(st.get("Effect", "")), resources, conditions,
                        _tag_keys(st, resources))


Refs = tuple[StatementRef, ...]


def _add(table: dict[Any, Refs], keys: Iterable[Any], refs: Refs) -> None:
    """Append ``refs`` to every key's tuple. Keys with the same history end up sharing one tuple object,
    so later per-tuple work (flags, sorting) is done once per distinct history, not once per action."""
    memo: dict[int, tuple[Refs, Refs]] = {}
    get = table.get
    for key in keys:
        cur = get(key, ())
        hit = memo.get(id(cur))
        if hit is None:
            hit = (cur, cur + refs)  # keep ``cur`` alive so its id() cannot be reused meanwhile
            memo[id(cur)] = hit
        table[key] = hit[1]


class _Acc:
    """Action -> statement refs: catalogued actions by int id, unknown ones by lower-cased name."""

    def __init__(self) -> None:
        self.ids: dict[int, Refs] = {}
        self.unknown: dict[str, Refs] = {}
        self.spelling: dict[str, str] = {}
        self.allow_statements: list[tuple[Mapping[str, Any], StatementRef]] = []


def _statement_ids(catalog: ActionCatalog, st: Mapping[str, Any]) -> tuple[set[int], list[str]]:
    """Catalogued action ids a statement covers, plus exact action names the catalogue does not know."""
    if "NotAction" in st:
        excluded = catalog.match_many(str(a) for a in _as_list(st["NotAction"]))
        return set(range(len(catalog))) - excluded, []
    patterns = [str(a) for a in _as_list(st.get("Action"))]
    ids = catalog.match_many(patterns)
    unknown = [p for p in patterns if "*" not in p and "?" not in p and ":" in p and catalog.id_of(p) is None]
    return ids, unknown


def _collect(catalog: ActionCatalog, policies: Iterable[Any], label: str,
             ) -> tuple[_Acc, list[tuple[set[int], Mapping[str, Any], StatementRef]]]:
    """Allows of a group of policies, and its denies as (ids, statement, ref)."""
    allows = _Acc()
    denies: list[tuple[set[int], Mapping[str, Any], StatementRef]] = []
    for n, policy in enumerate(policies):
        name, doc = _policy_name_doc(policy, f"{label} {n + 1}")
        for index, st in enumerate(statements(doc)):
            ids, unknown = _statement_ids(catalog, st)
            ref = _ref(name, index, st)
            if str(st.get("Effect")) == "Deny":
                denies.append((ids, st, ref))
                continue
            if str(st.get("Effect")) != "Allow":
                continue
            allows.allow_statements.append((st, ref))
            _add(allows.ids, ids, (ref,))
            for action in unknown:
                allows.spelling.setdefault(action.lower(), action)
            _add(allows.unknown, (a.lower() for a in unknown), (ref,))
    return allows, denies


def summarize(identity: Iterable[Any], *, boundary: Any = None, session_policies: Iterable[Any] = (),
              catalog: ActionCatalog | None = None) -> PermissionSummary:
    """Summarise what ``identity`` policies allow, limited by a ``boundary`` and ``session_policies``.

    Policies are NamedPolicy-like objects (``.name``, ``.document``) or plain documents. Raises nothing on
    odd documents: statements it cannot read are skipped.
    """
    catalog = catalog or load_catalog()
    allowed, denies = _collect(catalog, identity, "policy")
    limits: dict[Any, Refs] = {}   # int id or lower-cased unknown name -> limiting refs
    notes: list[str] = []

    def intersect(group: list[Any], label: str) -> None:
        g_allow, g_denies = _collect(catalog, group, label)
        denies.extend(g_denies)
        # Actions the catalogue does not know are matched against the group's patterns one by one.
        for key in allowed.unknown:
            refs = tuple(ref for st, ref in g_allow.allow_statements if allows_action(st, key))
            if refs:
                g_allow.unknown[key] = refs
        for table, g_table in ((allowed.ids, g_allow.ids), (allowed.unknown, g_allow.unknown)):
            for key in [k for k in table if k not in g_table]:
                del table[key]
            by_refs: dict[int, tuple[Refs, list[Any]]] = {}
            for key in table:
                refs = g_table[key]
                by_refs.setdefault(id(refs), (refs, []))[1].append(key)
            for refs, keys in by_refs.values():
                if not any(r.everywhere for r in refs):
                    _add(limits, keys, refs)

    boundary_list = [p for p in _as_list(boundary) if p is not None]
    if boundary_list:
        intersect(boundary_list, "permissions boundary")
        notes.append("limited by the permissions boundary: only actions both it and the policies allow")
    session_list = [p for p in session_policies if p is not None]
    if session_list:
        intersect(session_list, "session policy")
        notes.append("limited by the session policy given at assume time")
    for ids, deny_st, ref in denies:
        if ref.everywhere:
            for i in ids:
                allowed.ids.pop(i, None)
            for key in [k for k in allowed.unknown if allows_action(deny_st, k)]:
                allowed.unknown.pop(key, None)
        else:
            _add(limits, [i for i in ids if i in allowed.ids], (ref,))
            _add(limits, [k for k in allowed.unknown if allows_action(deny_st, k)], (ref,))

    grants: dict[str, dict[str, tuple[Refs, Refs]]] = {}
    names, service_of, level_of = catalog.names, catalog.service_of, catalog.level_of
    levels = (*ACCESS_LEVELS, UNKNOWN_LEVEL)
    counts: dict[str, dict[str, int]] = {}
    flags: dict[str, list[int]] = {}   # prefix -> [conditional, tag_dependent]
    all_tag_keys: dict[str, None] = {}
    # Flags depend only on the (shared) ref tuples: decide them once per distinct tuple.
    conditional_memo: dict[int, bool] = {}
    tag_memo: dict[int, tuple[str, ...]] = {}

    def tag_keys_of(refs: Refs) -> tuple[str, ...]:
        hit = tag_memo.get(id(refs))
        if hit is None:
            hit = tuple(k for r in refs for k in r.tag_keys)
            tag_memo[id(refs)] = hit
        return hit

    def account(prefix: str, name: str, level: str, refs: Refs, lims: Refs) -> None:
        grants.setdefault(prefix, {})[name] = (refs, lims)
        if prefix not in counts:
            counts[prefix] = dict.fromkeys(levels, 0)
            flags[prefix] = [0, 0]
        counts[prefix][level] += 1
        cond = conditional_memo.get(id(refs))
        if cond is None:
            cond = conditional_memo[id(refs)] = all(r.conditions for r in refs)
        if cond:
            flags[prefix][0] += 1
        keys = tag_keys_of(refs) + (tag_keys_of(lims) if lims else ())
        if keys:
            flags[prefix][1] += 1
            for key in keys:
                all_tag_keys.setdefault(key, None)

    for i, refs in allowed.ids.items():
        account(service_of[i], names[i], level_of[i], refs, limits.get(i, ()))
    for key, refs in allowed.unknown.items():
        action = allowed.spelling[key]
        account(action.split(":", 1)[0].lower(), action, UNKNOWN_LEVEL, refs, limits.get(key, ()))

    services: list[ServiceSummary] = []
    totals = dict.fromkeys(levels, 0)
    for prefix in sorted(grants):
        for level, count in counts[prefix].items():
            totals[level] += count
        services.append(ServiceSummary(prefix, catalog.service_name(prefix), counts[prefix], len(grants[prefix]),
                                       len(catalog.service_range(prefix)), *flags[prefix]))
    if all_tag_keys:
        notes.append("depends on session tags: " + ", ".join(f"aws:PrincipalTag/{k}" for k in all_tag_keys))
    return PermissionSummary(services, sum(s.total for s in services), totals, tuple(all_tag_keys), notes,
                             grants, catalog)


# -- original identity vs. role session -------------------------------------------------------------------

@dataclass(frozen=True)
class ComparisonRow:
    """One service side by side: actions the original identity has and the role session has."""

    prefix: str
    name: str
    original: int
    session: int

    @property
    def change(self) -> str:
        if self.original and not self.session:
            return "dropped"
        if self.session and not self.original:
            return "gained"
        if self.session > self.original:
            return "more"
        if self.session < self.original:
            return "fewer"
        return "same"


@dataclass(frozen=True)
class Comparison:
    """The original identity's permissions next to the role session's, and what AssumeRole dropped."""

    rows: tuple[ComparisonRow, ...]
    original_total: int | None
    session_total: int
    note: str

    @property
    def dropped(self) -> tuple[ComparisonRow, ...]:
        return tuple(r for r in self.rows if r.change == "dropped")


def compare(original: PermissionSummary | None, session: PermissionSummary, *,
            original_label: str = "your identity") -> Comparison:
    """Side by side per service. ``original`` is ``None`` when the identity's policies could not be read."""
    rows: dict[str, ComparisonRow] = {}
    for s in session.services:
        rows[s.prefix] = ComparisonRow(s.prefix, s.name, 0, s.total)
    if original is not None:
        for s in original.services:
            prev = rows.get(s.prefix)
            rows[s.prefix] = ComparisonRow(s.prefix, s.name, s.total, prev.session if prev else 0)
    ordered = tuple(sorted(rows.values(), key=lambda r: (-max(r.original, r.session), r.prefix)))
    if original is None:
        note = (f"AssumeRole does not add to {original_label}'s permissions: the session has only the role's "
                f"{session.total} actions ({original_label}'s own policies could not be read)")
    else:
        dropped = [r for r in ordered if r.original > r.session]
        lost = sum(r.original - r.session for r in dropped)
        note = (f"AssumeRole replaces {original_label}'s permissions: the session has only the role's "
                f"{session.total} actions; {original_label}'s own {original.total} are not carried over"
                + (f" ({lost} actions in {len(dropped)} services are lost)" if dropped else ""))
    return Comparison(ordered, None if original is None else original.total, session.total, note)
