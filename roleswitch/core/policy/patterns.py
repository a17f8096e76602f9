"""IAM string patterns: wildcards (``*``, ``?``) and policy variables (``${aws:username}``), pure stdlib.

A policy string is parsed once into a :class:`Template`: literal policy text (where ``*`` and ``?`` are
wildcards when the element allows them) interleaved with variables. Resolving a template against a request
context substitutes each variable with its single value *as a literal*: a ``*`` inside a user name or a tag
value never becomes a wildcard, and ``${*}``, ``${?}``, ``${$}`` stand for the literal characters.

Variables exist only in policies of Version ``2012-10-17``; in ``2008-10-17`` (or no Version) ``${...}`` is
plain text. A variable whose key is absent from the context (and has no ``, 'default'``) cannot be resolved:
the caller treats the statement as not matching, as AWS does. Multivalued keys cannot be variables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

Context = Mapping[str, tuple[str, ...]]

# ${key} or ${key, 'default value'}; the inner text never contains "}".
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
_WILDCARDS = re.compile(r"([*?])")


@dataclass(frozen=True, slots=True)
class Variable:
    """A policy variable: the (lower-cased) context key and its optional default value."""

    key: str
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Literal:
    """Text that must match as is even where wildcards are allowed (``${*}`` and friends)."""

    text: str


Part = str | Variable | Literal


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed policy string: ``str`` parts are policy text, the others are literal or variable."""

    source: str
    parts: tuple[Part, ...]
    has_variables: bool

    def resolve(self, context: Context) -> tuple[Part, ...] | None:
        """The parts with every variable replaced by a :class:`Literal`; ``None`` if one cannot be resolved."""
        if not self.has_variables:
            return self.parts
        out: list[Part] = []
        for part in self.parts:
            if isinstance(part, Variable):
                values = context.get(part.key)
                if values and len(values) == 1:
                    out.append(Literal(values[0]))
                elif part.default is not None and not values:
                    out.append(Literal(part.default))
                else:
                    # Absent (no default) or multivalued: AWS cannot substitute it.
                    return None
            else:
                out.append(part)
        return tuple(out)


def parse_template(text: str, *, variables: bool) -> Template:
    """Parse ``text``; with ``variables=False`` (a 2008-10-17 policy) ``${...}`` stays literal policy text."""
    if not variables or "${" not in text:
        return Template(text, (text,) if text else (), False)
    parts: list[Part] = []
    pos = 0
    has_variables = False
    for match in _VARIABLE.finditer(text):
        if match.start() > pos:
            parts.append(text[pos:match.start()])
        body = match.group(1)
        if body in _SPECIAL:
            parts.append(Literal(_SPECIAL[body]))
        else:
            parsed = _VARIABLE_BODY.fullmatch(body)
            if parsed is None:
                # Not a well-formed variable: AWS would reject the policy; we keep the text as written.
                parts.append(match.group(0))
            else:
                parts.append(Variable(parsed.group(1).lower(), parsed.group(2)))
                has_variables = True
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    return Template(text, tuple(parts), has_variables)


def _next_char(parts: tuple[Part, ...], index: int, offset: int) -> str:
    """The character after position ``offset`` of part ``index`` ('' at the end of the pattern)."""
    text = _text(parts[index])
    if offset + 1 < len(text):
        return text[offset + 1]
    for later in parts[index + 1:]:
        later_text = _text(later)
        if later_text:
            return later_text[0]
    return ""


def wildcard_regex_source(parts: tuple[Part, ...], *, mode: str = "free") -> str:
    """Regex source for resolved parts: ``*`` and ``?`` in policy text are wildcards, the rest literal.

    ``mode``: ``"free"`` (Action, StringLike) lets wildcards match anything; ``"segment"`` keeps them inside
    one colon-free ARN segment; ``"resource"`` (the Resource element) keeps them inside their ARN segment
    except a ``*`` that ends a segment, which may run past colons (IAM's documented Resource rule).
    """
    out: list[str] = []
    for index, part in enumerate(parts):
        if not isinstance(part, str):
            out.append(re.escape(_text(part)))
            continue
        offset = 0
        for chunk in _WILDCARDS.split(part):  # literal runs and single wildcard characters, in order
            if chunk == "*":
                if mode == "segment" or (mode == "resource"
                                         and _next_char(parts, index, offset) not in ("", ":")):
                    out.append("[^:]*")
                else:
                    out.append(".*")
            elif chunk == "?":
                out.append("." if mode == "free" else "[^:]")
            elif chunk:
                out.append(re.escape(chunk))
            offset += len(chunk)
    return "".join(out)


class LazyRegex:
    """A full-match regex compiled on first use: most statements of a policy never reach their resource
    or condition test for a given action, so a one-shot query need not pay for compiling them."""

    __slots__ = ("_pattern", "_source", "ignore_case")

    def __init__(self, source: str | Callable[[], str], ignore_case: bool = False) -> None:
        self._source = source  # the regex source, or a function building it (deferred too)
        self.ignore_case = ignore_case
        self._pattern: re.Pattern[str] | None = None

    @property
    def source(self) -> str:
        if callable(self._source):
            self._source = self._source()
        return self._source

    def fullmatch(self, text: str) -> bool:
        pattern = self._pattern
        if pattern is None:
            pattern = self._pattern = compile_regex(self.source, self.ignore_case)
        return pattern.fullmatch(text) is not None


@lru_cache(maxsize=8192)
def compile_regex(source: str, ignore_case: bool) -> re.Pattern[str]:
    """Compile (and cache) a full-match regex; resolved variable patterns repeat across queries."""
    return re.compile(source, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def is_plain(parts: tuple[Part, ...]) -> bool:
    """True when the parts contain no wildcard character (so equality is enough)."""
    return all(not isinstance(p, str) or ("*" not in p and "?" not in p) for p in parts)


def _text(part: Part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Literal):
        return part.text
    raise TypeError("unresolved policy variable")  # resolve() first: a Variable has no text


def parts_text(parts: tuple[Part, ...]) -> str:
    """The (resolved) parts joined as plain text."""
    return "".join(_text(p) for p in parts)
