"""IAM Condition operators, compiled once per policy and evaluated per request (pure stdlib).

Semantics follow "IAM JSON policy elements: Condition operators", "Conditions with multiple context keys or
values" and "Single-valued vs. multivalued context keys" in the IAM User Guide:

- several operators in a Condition AND, several keys under one operator AND, several values for a key OR;
- a negated operator (StringNotEquals, NotIpAddress, ArnNotLike, ...) is the negation of its positive
  form, so several values act as NOR: ``StringNotEquals: {k: [a, b]}`` means "k is neither a nor b";
- a key absent from the request makes a positive operator false and a negated one true, except
  ``...IfExists`` (absent -> true) and ``Null`` (tests presence itself);
- ``ForAllValues:`` is true when every request value matches (so true for an absent or empty key),
  ``ForAnyValue:`` when at least one does (so false for an absent key);
- without a set qualifier a request key with several values matches when any value does;
- condition key names are case-insensitive, values keep the operator's own case rule.

Policy variables are substituted in String, Bool and ARN operators (the documented ones) of 2012-10-17
policies; a variable that cannot be resolved makes the whole statement not match (``test`` returns None).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from roleswitch.core.errors import ValidationError
from roleswitch.core.policy.patterns import (
    Context,
    LazyRegex,
    Part,
    Template,
    parse_template,
    parts_text,
    wildcard_regex_source,
)

Matcher = Callable[[str], bool]

# lower-case base name -> (canonical name, kind, comparison, negated)
_BASES: dict[str, tuple[str, str, str, bool]] = {}


def _base(name: str, kind: str, compare: str = "eq", negated: bool = False) -> None:
    _BASES[name.lower()] = (name, kind, compare, negated)


for _name, _kind, _negated in (
    ("StringEquals", "string", False), ("StringNotEquals", "string", True),
    ("StringEqualsIgnoreCase", "string_ic", False), ("StringNotEqualsIgnoreCase", "string_ic", True),
    ("StringLike", "like", False), ("StringNotLike", "like", True),
    ("Bool", "bool", False), ("BinaryEquals", "binary", False),
    ("IpAddress", "ip", False), ("NotIpAddress", "ip", True),
    ("ArnEquals", "arn", False), ("ArnLike", "arn", False),
    ("ArnNotEquals", "arn", True), ("ArnNotLike", "arn", True),
    ("Null", "null", False),
):
    _base(_name, _kind, negated=_negated)
for _family in ("Numeric", "Date"):
    _base(f"{_family}Equals", _family.lower())
    _base(f"{_family}NotEquals", _family.lower(), negated=True)
    for _suffix, _cmp in (("LessThan", "lt"), ("LessThanEquals", "le"), ("GreaterThan", "gt"),
                          ("GreaterThanEquals", "ge")):
        _base(f"{_family}{_suffix}", _family.lower(), _cmp)

#: Every operator name this evaluator knows (without ForAllValues:/ForAnyValue: and IfExists).
OPERATORS: tuple[str, ...] = tuple(sorted(v[0] for v in _BASES.values()))

# Kinds whose values may hold policy variables (the Condition operators page marks the others
# "Policy variables: Not supported").
_VARIABLE_KINDS = frozenset({"string", "string_ic", "like", "bool", "arn"})

_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "eq": operator.eq, "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}


@dataclass(frozen=True, slots=True)
class Operator:
    """A parsed condition operator such as ``ForAllValues:StringNotLikeIfExists``."""

    name: str
    base: str
    kind: str
    compare: str
    negated: bool
    qualifier: str | None  # "ForAllValues" | "ForAnyValue" | None
    if_exists: bool


def parse_operator(name: str, *, where: str | None = None) -> Operator:
    """Parse an operator name; raises ValidationError for an unknown one (naming the known ones)."""
    rest = name
    qualifier = None
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if rest.lower().startswith(prefix.lower()):
            qualifier = prefix[:-1]
            rest = rest[len(prefix):]
            break
    if_exists = False
    base = _BASES.get(rest.lower())
    if base is None and rest.lower().endswith("ifexists"):
        if_exists = True
        base = _BASES.get(rest[: -len("IfExists")].lower())
    if base is None or (base[1] == "null" and (if_exists or qualifier)):
        raise ValidationError(
            f"unknown condition operator {name!r}",
            hint="allowed: " + ", ".join(OPERATORS) + " with an optional IfExists suffix and "
                 "ForAllValues:/ForAnyValue: prefix",
            where=where,
        )
    canonical, kind, compare, negated = base
    return Operator(name, canonical, kind, compare, negated, qualifier, if_exists)


def _value_text(value: object, *, where: str) -> str:
    if isinstance(value, bool):  # JSON true/false (before int: bool is an int)
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not (isinstance(value, float) and not math.isfinite(value)):
        return str(value)
    raise ValidationError(f"condition value {value!r} is not a string, number or boolean", where=where)


def parse_number(text: str) -> float | None:
    """A condition number (integer or decimal), ``None`` when ``text`` is not one."""
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_date(text: str) -> datetime | None:
    """An IAM date: ISO 8601 (date, date-time, ``Z`` or offset) or epoch seconds; ``None`` if neither."""
    text = text.strip()
    number = parse_number(text)
    if number is not None:
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _parse_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _arn_regex_source(parts: tuple[Part, ...]) -> str:
    """Regex for ArnLike/ArnEquals: each of the six colon-separated parts matched on its own."""
    text_parts: list[list[Part]] = [[]]
    # Split the policy text (not literal substitutions) on the first five colons.
    for part in parts:
        if isinstance(part, str) and len(text_parts) < 6:
            pieces = part.split(":", 6 - len(text_parts))
            text_parts[-1].append(pieces[0])
            for piece in pieces[1:]:
                text_parts.append([piece])
        else:
            text_parts[-1].append(part)
    if len(text_parts) < 6:
        # Not an ARN-shaped pattern (e.g. "*"): match it as a whole, wildcards free to span colons.
        return wildcard_regex_source(parts)
    segments = [wildcard_regex_source(tuple(segment), mode="segment" if index < 5 else "free")
                for index, segment in enumerate(text_parts)]
    return ":".join(segments)


def _build_matcher(kind: str, compare: str, values: list[tuple[Part, ...]], *, where: str) -> Matcher:
    """A predicate "this request value matches one of the policy values" (the positive form)."""
    texts = [parts_text(v) for v in values]
    if kind == "string":
        exact = frozenset(texts)
        return exact.__contains__
    if kind == "string_ic":
        folded = frozenset(t.casefold() for t in texts)
        return lambda v: v.casefold() in folded
    if kind == "bool":
        lowered = frozenset(t.lower() for t in texts)
        return lambda v: v.lower() in lowered
    if kind == "like":
        regex = LazyRegex(lambda: "|".join(f"(?:{wildcard_regex_source(v)})" for v in values) or "(?!)")
        return regex.fullmatch
    if kind == "arn":
        arn_regex = LazyRegex(lambda: "|".join(f"(?:{_arn_regex_source(v)})" for v in values) or "(?!)")
        return arn_regex.fullmatch
    if kind in ("numeric", "date"):
        parse: Callable[[str], object | None] = parse_number if kind == "numeric" else parse_date
        parsed = []
        for text in texts:
            value = parse(text)
            if value is None:
                what = "a number" if kind == "numeric" else "an ISO 8601 date or epoch seconds"
                raise ValidationError(f"condition value {text!r} is not {what}", where=where)
            parsed.append(value)
        cmp = _COMPARE[compare]

        def numeric_or_date(v: str) -> bool:
            request_value = parse(v)
            return request_value is not None and any(cmp(request_value, p) for p in parsed)

        return numeric_or_date
    if kind == "binary":
        wanted = set()
        for text in texts:
            decoded = _parse_binary(text)
            if decoded is None:
                raise ValidationError(f"BinaryEquals value {text!r} is not base64", where=where)
            wanted.add(decoded)

        def binary(v: str) -> bool:
            decoded = _parse_binary(v)
            return decoded is not None and decoded in wanted

        return binary
    if kind == "ip":
        networks = []
        for text in texts:
            network = _parse_network(text)
            if network is None:
                raise ValidationError(f"IP condition value {text!r} is not an IP address or CIDR block",
                                      where=where)
            networks.append(network)

        def ip(v: str) -> bool:
            try:
                address = ipaddress.ip_address(v.strip())
            except ValueError:
                return False
            return any(address.version == n.version and address in n for n in networks)

        return ip
    raise AssertionError(kind)  # pragma: no cover - parse_operator only yields the kinds above


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """One (operator, key, values) triple of a Condition block."""

    operator: Operator
    key: str          # lower-cased context key
    key_name: str     # as written in the policy
    values: tuple[str, ...]
    templates: tuple[Template, ...]
    matcher: Matcher | None  # prebuilt when no value holds a variable
    where: str

    def test(self, context: Context) -> bool | None:
        """True/False for the condition; ``None`` when a policy variable in its values cannot be resolved."""
        op = self.operator
        request_values = context.get(self.key)
        absent = not request_values
        if op.kind == "null":
            wanted = "true" if absent else "false"
            return any(v.lower() == wanted for v in self.values)
        if absent:
            if op.if_exists:
                return True
            if op.qualifier == "ForAllValues":
                return True
            if op.qualifier == "ForAnyValue":
                return False
            return op.negated
        matcher = self.matcher
        if matcher is None:
            resolved = []
            for template in self.templates:
                parts = template.resolve(context)
                if parts is None:
                    return None
                resolved.append(parts)
            matcher = _cached_matcher(op.kind, op.compare, tuple(resolved), self.where)
        assert request_values is not None
        if op.qualifier == "ForAllValues":
            return all(matcher(v) != op.negated for v in request_values)
        if op.qualifier == "ForAnyValue":
            return any(matcher(v) != op.negated for v in request_values)
        matched = any(matcher(v) for v in request_values)
        return not matched if op.negated else matched


_MATCHER_CACHE: dict[tuple[str, str, tuple[tuple[Part, ...], ...]], Matcher] = {}


def _cached_matcher(kind: str, compare: str, values: tuple[tuple[Part, ...], ...], where: str) -> Matcher:
    key = (kind, compare, values)
    matcher = _MATCHER_CACHE.get(key)
    if matcher is None:
        if len(_MATCHER_CACHE) > 4096:  # bounded: resolved values vary with every user and tag
            _MATCHER_CACHE.clear()
        matcher = _MATCHER_CACHE[key] = _build_matcher(kind, compare, list(values), where=where)
    return matcher


def compile_condition_block(block: object, *, variables: bool, where: str) -> tuple[CompiledCondition, ...]:
    """Compile a statement's ``Condition`` object; raises ValidationError when it is malformed."""
    if not isinstance(block, Mapping):
        raise ValidationError("Condition must be an object of operator -> {key: value(s)}", where=where)
    compiled: list[CompiledCondition] = []
    for op_name, keys in block.items():
        op_where = f"{where}.{op_name}"
        op = parse_operator(str(op_name), where=where)
        if not isinstance(keys, Mapping):
            raise ValidationError(f"{op_name} must map condition keys to values", where=op_where)
        for key_name, raw in keys.items():
            key_where = f"{op_where}.{key_name}"
            raw_values = raw if isinstance(raw, list) else [raw]
            if not raw_values:
                raise ValidationError("a condition key needs at least one value", where=key_where)
            texts = tuple(_value_text(v, where=key_where) for v in raw_values)
            if op.kind == "null" and any(t.lower() not in ("true", "false") for t in texts):
                raise ValidationError("Null takes true or false", where=key_where)
            use_vars = variables and op.kind in _VARIABLE_KINDS
            templates = tuple(parse_template(t, variables=use_vars) for t in texts)
            matcher = None
            if op.kind != "null" and not any(t.has_variables for t in templates):
                matcher = _build_matcher(op.kind, op.compare, [t.parts for t in templates], where=key_where)
            compiled.append(CompiledCondition(op, str(key_name).lower(), str(key_name), texts, templates,
                                              matcher, key_where))
    return tuple(compiled)
