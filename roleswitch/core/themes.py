"""Theme files: TOML in, validated theme specs out. Pure: no textual, no rich.

A theme file looks like::

    name = "roleswitch-dark"          # what --theme and settings.theme refer to
    description = "The default"       # optional; author too
    dark = true
    primary = "#4FA3E0"               # required; every other colour is optional
    secondary = "#2E6FA3"
    background = "#14181F"
    # accent warning error success foreground surface panel boost, luminosity_spread, text_alpha

    [variables]                       # roleswitch's own colours and any Textual theme variable
    rs-expiry-warning = "#E8B341"
    rs-prod = "#E5484D"

Loading never raises for a broken file: :func:`load_themes` returns the good themes and one
:class:`ThemeProblem` per bad file, so the app can report every failure in one notification and carry on.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from roleswitch.core.errors import ConfigError
from roleswitch.core.lazy import LazyPattern

DEFAULT_THEME = "roleswitch-dark"
BUILTIN_THEME_NAMES = ("roleswitch-dark", "roleswitch-light", "roleswitch-high-contrast")

# roleswitch's own theme variables (the TUI declares their defaults with get_theme_variable_defaults).
APP_VARIABLES = ("rs-expiry-warning", "rs-expiry-critical", "rs-prod", "rs-staging", "rs-dev")

COLOUR_KEYS = ("primary", "secondary", "accent", "warning", "error", "success", "foreground",
               "background", "surface", "panel", "boost")
_META_KEYS = ("name", "description", "author", "dark", "luminosity_spread", "text_alpha")
_TABLE_KEYS = ("variables",)
ALLOWED_KEYS = frozenset(_META_KEYS + COLOUR_KEYS + _TABLE_KEYS)

MAX_FILE_BYTES = 64 * 1024  # a theme is a few hundred bytes; refuse to parse anything huge
MAX_VARIABLES = 200

_NAME_RE = LazyPattern(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_VARIABLE_RE = LazyPattern(r"^[a-z][a-z0-9-]{0,63}$")
_HEX_RE = LazyPattern(r"^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_NUM = r"\s*(-?\d+(?:\.\d+)?)(%?)\s*"
_FUNC_RE = LazyPattern(rf"^(rgb|rgba|hsl|hsla)\({_NUM},{_NUM},{_NUM}(?:,{_NUM})?\)$")
_ALPHA_SUFFIX_RE = LazyPattern(r"^(.*\S)\s+(\d{1,3})%$")
# Values Textual accepts for its *-text-style variables (e.g. block-cursor-text-style).
# Textual's VALID_STYLE_FLAGS (a test keeps the two equal).
_TEXT_STYLES = frozenset({"b", "blink", "bold", "dim", "i", "italic", "none", "not", "o", "overline", "reverse",
                          "strike", "u", "underline", "uu"})
_COLOUR_KEYWORDS = frozenset({"transparent", "initial"})
_COLOUR_HELP = "a colour like #RGB, #RRGGBB, #RRGGBBAA, rgb(r, g, b) or hsl(h, s%, l%)"


@dataclass(frozen=True)
class ThemeSpec:
    """A validated theme. ``variables`` is read-only; ``path`` is the file it came from ("" if built in code)."""

    name: str
    primary: str
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    dark: bool = True
    luminosity_spread: float = 0.15
    text_alpha: float = 0.95
    variables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    description: str | None = None
    author: str | None = None
    path: str = ""

    def colours(self) -> dict[str, str]:
        """The colours this theme sets (unset ones are derived by the UI toolkit)."""
        return {key: value for key in COLOUR_KEYS if (value := getattr(self, key)) is not None}


@dataclass(frozen=True)
class ThemeProblem:
    """Why one theme file was not loaded."""

    path: str
    message: str

    def one_line(self) -> str:
        return f"{self.path}: {self.message}"


def is_colour(value: str) -> bool:
    """True for the colour syntaxes theme files accept (a strict subset of what Textual parses)."""
    text = value.strip()
    if _HEX_RE.match(text):
        return True
    match = _FUNC_RE.match(text)
    if not match:
        return False
    func = match.group(1)
    parts = [match.group(i) for i in range(2, 10, 2)]
    units = [match.group(i) for i in range(3, 11, 2)]
    has_alpha = parts[3] is not None
    if has_alpha != func.endswith("a"):
        return False
    numbers = [float(p) for p in parts[:3]]
    if func.startswith("rgb"):
        if any(units[:3]) or not all(0 <= n <= 255 for n in numbers):
            return False
    else:
        if units[0] or units[1] != "%" or units[2] != "%":
            return False
        if not (0 <= numbers[1] <= 100 and 0 <= numbers[2] <= 100):
            return False
    if has_alpha:
        alpha = float(parts[3])
        limit = 100.0 if units[3] == "%" else 1.0
        if not 0 <= alpha <= limit:
            return False
    return True


def _is_variable_value(name: str, value: str) -> bool:
    text = value.strip()
    if name.endswith("-style"):  # block-cursor-text-style, link-style...
        return bool(text.split()) and all(token in _TEXT_STYLES for token in text.split())
    if is_colour(text) or text in _COLOUR_KEYWORDS:
        return True
    # Textual also accepts "<colour> <alpha>%" and "auto <alpha>%" (contrasting text) for variables.
    match = _ALPHA_SUFFIX_RE.match(text)
    return bool(match) and (is_colour(match.group(1)) or match.group(1) == "auto") and int(match.group(2)) <= 100


def _suggest(word: str, choices: Iterable[str], label: str) -> str:
    """"did you mean 'x'?" for a near miss, else the whole list (``label: a, b, c``)."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else f"{label}: {', '.join(sorted(choices))}"


def parse_theme(data: Mapping[str, object], *, path: str = "") -> ThemeSpec:
    """Validate a parsed theme table; raises ConfigError (``where`` = ``path: key``) on the first problem."""

    def fail(key: str | None, message: str) -> ConfigError:
        where = f"{path}: {key}" if path and key else (key or path or None)
        return ConfigError(message, where=where)

    unknown = sorted(set(data) - ALLOWED_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key {unknown[0]!r}; {_suggest(unknown[0], ALLOWED_KEYS, 'allowed keys')}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise fail("name", "name is required: 1-64 of a-z, 0-9, '-', '_', starting with a letter or digit")
    if "primary" not in data:
        raise fail("primary", f"primary is required ({_COLOUR_HELP})")
    colours: dict[str, str] = {}
    for key in COLOUR_KEYS:
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, str) or not is_colour(value):
            raise fail(key, f"{value!r} is not {_COLOUR_HELP}")
        colours[key] = value.strip()
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise fail("dark", "dark must be true or false")
    floats: dict[str, float] = {}
    for key, default, low, high in (("luminosity_spread", 0.15, 0.0, 1.0), ("text_alpha", 0.95, 0.0, 1.0)):
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise fail(key, f"{key} must be a number from {low} to {high}")
        floats[key] = float(value)
    texts: dict[str, str | None] = {}
    for key in ("description", "author"):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 200 or "\n" in value):
            raise fail(key, f"{key} must be one line of text (at most 200 characters)")
        texts[key] = value
    raw_variables = data.get("variables", {})
    if not isinstance(raw_variables, dict):
        raise fail("variables", "variables must be a table: [variables] name = \"#RRGGBB\"")
    if len(raw_variables) > MAX_VARIABLES:
        raise fail("variables", f"at most {MAX_VARIABLES} variables are allowed")
    variables: dict[str, str] = {}
    for key, value in raw_variables.items():
        where = f"variables.{key}"
        if not _VARIABLE_RE.match(key):
            raise fail(where, "variable names are 1-64 of a-z, 0-9 and '-', starting with a letter")
        if key.startswith("rs-") and key not in APP_VARIABLES:
            raise fail(where, f"unknown roleswitch variable {key!r}; {_suggest(key, APP_VARIABLES, 'known')}")
        if key in APP_VARIABLES and not (isinstance(value, str) and is_colour(value)):
            raise fail(where, f"{value!r} is not {_COLOUR_HELP}")  # used in text styles: plain colours only
        if not isinstance(value, str) or not _is_variable_value(key, value):
            allowed = "style words like 'bold reverse'" if key.endswith("-style") else _COLOUR_HELP
            raise fail(where, f"{value!r} is not {allowed}")
        variables[key] = value.strip()
    return ThemeSpec(name=name, dark=dark, variables=MappingProxyType(variables), path=path,
                     description=texts["description"], author=texts["author"], **floats, **colours)


def load_theme_file(path: str) -> ThemeSpec:
    """Read and validate one theme file; raises ConfigError with one clear line on any problem."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the theme file ({exc.strerror or exc})", where=path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"theme file is larger than {MAX_FILE_BYTES // 1024} KiB", where=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("theme file is not UTF-8 text", where=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", where=path) from None
    return parse_theme(data, path=path)


def theme_files(directory: str) -> list[str]:
    """The ``*.toml`` files of a folder, sorted; hidden and editor backup files skipped; [] if missing."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [os.path.join(directory, n) for n in sorted(names)
            if n.endswith(".toml") and not n.startswith((".", "#", "~"))]


def load_themes(directories: Iterable[str]) -> tuple[dict[str, ThemeSpec], list[ThemeProblem]]:
    """Load every theme file of ``directories`` in order; never raises for a broken file or folder.

    A later folder's theme replaces an earlier one of the same name (a user theme may redefine a built-in
    one); two files of the same name within one folder are a problem for the second. Returns
    ``(themes by name, problems)``.
    """
    themes: dict[str, ThemeSpec] = {}
    problems: list[ThemeProblem] = []
    for directory in directories:
        seen: dict[str, str] = {}
        try:
            files = theme_files(directory)
        except OSError as exc:
            problems.append(ThemeProblem(directory, f"cannot list the themes folder ({exc.strerror or exc})"))
            continue
        for path in files:
            try:
                spec = load_theme_file(path)
            except ConfigError as exc:
                message = exc.message
                if exc.where and exc.where.startswith(path + ": "):
                    message = f"{exc.where[len(path) + 2:]}: {message}"
                problems.append(ThemeProblem(path, message))
                continue
            if spec.name in seen:
                problems.append(ThemeProblem(path, f"theme {spec.name!r} is already defined in {seen[spec.name]}"))
                continue
            seen[spec.name] = path
            themes[spec.name] = spec
    return themes, problems


def builtin_themes_dir() -> str:
    """The folder of the themes shipped with roleswitch.

    The files live in the repository's top-level ``themes/``. ``roleswitch/themes`` is a symlink to it,
    so setuptools copies them into wheels and sdists as package data (pyproject's package-data); a
    checkout whose symlink was not created (Windows without symlink support) falls back to the
    repository folder itself.
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(package, "themes"), os.path.join(os.path.dirname(package), "themes")):
        if os.path.isfile(os.path.join(candidate, DEFAULT_THEME + ".toml")):
            return candidate
    return os.path.join(package, "themes")


def theme_dirs() -> list[str]:
    """Built-in themes first, then the user's (``paths.user_themes_dir()``), so user themes win."""
    from roleswitch.core import paths

    return [builtin_themes_dir(), paths.user_themes_dir()]
