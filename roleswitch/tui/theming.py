"""Turn roleswitch theme files into Textual themes and install them on the app.

The pure core (:mod:`roleswitch.core.themes`) reads and validates the TOML; this module converts each spec
to a :class:`textual.theme.Theme`, checks what only Textual can check (its own variable names, that its
colour system can be generated), registers the themes and picks one. Nothing here raises for a broken
theme file or an unknown theme name: every problem goes into one warning notification and the app falls
back to :data:`~roleswitch.core.themes.DEFAULT_THEME`.

The app declares roleswitch's own variables (``$rs-prod``...) for every theme, including Textual's
built-in ones, by returning :data:`THEME_VARIABLE_DEFAULTS` from ``get_theme_variable_defaults``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import lru_cache

from textual.app import App
from textual.css.constants import VALID_STYLE_FLAGS
from textual.theme import Theme

from roleswitch.core.themes import (
    APP_VARIABLES,
    COLOUR_KEYS,
    DEFAULT_THEME,
    ThemeProblem,
    ThemeSpec,
    is_colour,
    load_themes,
    theme_dirs,
)

# Defaults for themes that do not set roleswitch's variables (Textual's own themes, user themes): the
# values of roleswitch-dark, or of roleswitch-light on a light theme (see theme_variable_defaults).
THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "rs-expiry-warning": "#E8B341",   # session expires within 15 minutes
    "rs-expiry-critical": "#FF8589",  # under 5 minutes left, or expired
    "rs-prod": "#FF7B7F",             # account environment = prod
    "rs-staging": "#F0B050",
    "rs-dev": "#5DD39E",
}
LIGHT_THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "rs-expiry-warning": "#8F5A00",
    "rs-expiry-critical": "#C01F2B",
    "rs-prod": "#C01F2B",
    "rs-staging": "#8F5A00",
    "rs-dev": "#176B33",
}


def theme_variable_defaults(dark: bool = True) -> dict[str, str]:
    """roleswitch's variable defaults readable on a dark (or light) background.

    For ``App.get_theme_variable_defaults``: ``return theme_variable_defaults(self.current_theme.dark)``
    (Textual calls it again whenever the theme changes).
    """
    return dict(THEME_VARIABLE_DEFAULTS if dark else LIGHT_THEME_VARIABLE_DEFAULTS)


NOTIFY_TITLE = "Themes"
NOTIFY_TIMEOUT = 15.0
_MAX_LISTED = 8  # beyond this, the notification says "and N more" rather than filling the screen


@lru_cache(maxsize=1)
def textual_variable_kinds() -> dict[str, str]:
    """Every variable Textual's colour system defines, with the kind of value its CSS accepts there:
    ``style`` (text-style words), ``auto`` (a colour or ``auto N%``), ``initial`` (a colour or
    ``initial``) or ``colour``. Derived from Textual's own defaults, so it follows Textual upgrades."""
    kinds: dict[str, str] = {}
    for name, value in Theme(name="probe", primary="#000000").to_color_system().generate().items():
        if name.endswith("-style"):
            kinds[name] = "style"
        elif value.startswith("auto"):
            kinds[name] = "auto"
        elif value == "initial":
            kinds[name] = "initial"
        else:
            kinds[name] = "colour"
    return kinds


_ALLOWED_BY_KIND = {
    "style": "text-style words (bold, italic, underline, reverse, strike, dim, not, none...)",
    "auto": "a colour or 'auto N%' (a contrasting text colour)",
    "initial": "a colour or 'initial'",
    "colour": "a colour (optionally followed by an alpha like '50%') or 'transparent'",
}


def variable_problem(name: str, value: str) -> str | None:
    """Why Textual's CSS would reject ``value`` for theme variable ``name`` (None when it is fine).

    A value the core accepts syntactically can still break the stylesheet where Textual uses the
    variable (``border = "auto 50%"`` makes every bordered widget's CSS invalid): that must be caught
    here, at load time, instead of crashing the app when the theme is applied.
    """
    if name in APP_VARIABLES:
        return None if is_colour(value) else f"{value!r} is not a colour"
    if name in COLOUR_KEYS:  # Textual's CSS uses these with modifiers ("$foreground 50%"): plain colours only
        return f"set {name} at the top level of the theme file, not under [variables]"
    kind = textual_variable_kinds().get(name)
    if kind is None:
        return (f"unknown theme variable {name!r} (roleswitch's: {', '.join(APP_VARIABLES)}, "
                "or one of Textual's theme variables)")
    text = value.strip()
    words = text.split()
    if kind == "style":
        ok = bool(words) and all(word in VALID_STYLE_FLAGS for word in words)
    elif is_colour(text):
        ok = True
    elif kind == "colour":
        ok = text == "transparent" or (len(words) == 2 and is_colour(words[0]) and _is_percent(words[1]))
    elif kind == "auto":
        ok = len(words) == 2 and words[0] == "auto" and _is_percent(words[1])
    else:
        ok = text == "initial"
    return None if ok else f"{value!r} is not usable here: {name} takes {_ALLOWED_BY_KIND[kind]}"


def _is_percent(text: str) -> bool:
    return text.endswith("%") and text[:-1].isdigit() and 0 <= int(text[:-1]) <= 100


def to_textual_theme(spec: ThemeSpec) -> Theme:
    """Convert a validated spec; raises ValueError when Textual cannot use it (unknown variable, a value
    Textual's CSS rejects where the variable is used...)."""
    for name, value in spec.variables.items():
        problem = variable_problem(name, value)
        if problem:
            raise ValueError(f"variables.{name}: {problem}")
    theme = Theme(name=spec.name, dark=spec.dark, luminosity_spread=spec.luminosity_spread,
                  text_alpha=spec.text_alpha, variables=dict(spec.variables), **spec.colours())
    try:
        theme.to_color_system().generate()  # the same step Textual runs when the theme is applied
    except Exception as exc:  # Textual raises ColorParseError, ValueError...: any means "unusable"
        raise ValueError(f"Textual cannot use this theme ({exc})") from None
    return theme


def convert_themes(specs: Mapping[str, ThemeSpec]) -> tuple[dict[str, Theme], list[ThemeProblem]]:
    """Convert every spec; a spec Textual rejects becomes a problem instead."""
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for name, spec in specs.items():
        try:
            themes[name] = to_textual_theme(spec)
        except ValueError as exc:
            problems.append(ThemeProblem(spec.path or name, str(exc)))
    return themes, problems


def short_path(path: str) -> str:
    """``path`` with the home folder written as ``~`` (shorter, and the same on every machine)."""
    home = os.path.expanduser("~")
    if home not in ("", "~", os.sep) and path.startswith(home + os.sep):
        return "~" + path[len(home):]
    return path


def problems_message(problems: Iterable[ThemeProblem]) -> str:
    """One notification body listing every problem (capped), one line each."""
    items = list(problems)
    lines = [f"• {short_path(problem.path)}: {problem.message}" for problem in items[:_MAX_LISTED]]
    if len(items) > _MAX_LISTED:
        lines.append(f"… and {len(items) - _MAX_LISTED} more")
    return "\n".join(lines)


def _configured_theme(app: App[object]) -> str | None:
    settings = getattr(app, "settings", None)
    theme = getattr(settings, "theme", None)
    return theme if isinstance(theme, str) and theme else None


def choose_theme(available: Iterable[str], requested: str | None, configured: str | None, *,
                 configured_where: str = "settings.theme") -> tuple[str, list[ThemeProblem]]:
    """Pick the first known of requested (--theme), configured (settings.theme), the default; each unknown
    name is a problem. Falls back to Textual's own dark theme only if even the default is missing."""
    names = set(available)
    problems: list[ThemeProblem] = []
    for source, name in (("--theme", requested), (configured_where, configured)):
        if not name:
            continue
        if name in names:
            return name, problems
        known = ", ".join(sorted(n for n in names if n.startswith("roleswitch-"))) or "none"
        problems.append(ThemeProblem(source, f"unknown theme {name!r} (roleswitch themes: {known}; "
                                             "the command palette lists all)"))
    if DEFAULT_THEME in names:
        return DEFAULT_THEME, problems
    return "textual-dark", problems


def install_themes(app: App[object], requested: str | None, *, configured: str | None = None,
                   directories: Iterable[str] | None = None, notify: bool = True) -> list[ThemeProblem]:
    """Load built-in and user themes, register them on ``app``, select one, and report problems once.

    ``requested`` is ``--theme``; ``configured`` is ``settings.theme`` (read from ``app.settings.theme``
    when not given). ``directories`` defaults to the built-in folder then the user's themes folder.
    Call it before the app runs with ``notify=False`` (then the theme costs no CSS re-parse; show the
    problems from ``on_mount`` with notify_theme_problems), or from ``on_mount``. Never raises for bad
    themes; returns the problems (also shown in one warning notification when ``notify``).
    """
    specs, problems = load_themes(theme_dirs() if directories is None else directories)
    themes, conversion_problems = convert_themes(specs)
    problems.extend(conversion_problems)
    for theme in themes.values():
        app.register_theme(theme)
    if configured is None:
        configured = _configured_theme(app)
    settings_path = getattr(getattr(app, "settings", None), "path", None)
    where = f"{settings_path}: theme" if isinstance(settings_path, str) and settings_path else "settings.theme"
    name, choice_problems = choose_theme(app.available_themes, requested, configured, configured_where=where)
    problems.extend(choice_problems)
    if app.is_running:
        app.theme = name
    else:
        select_theme_before_start(app, name)
    if notify:
        notify_theme_problems(app, problems)
    return problems


def select_theme_before_start(app: App[object], name: str) -> None:
    """Make ``name`` the theme of an app that is not running yet, without queueing a CSS refresh.

    Setting ``app.theme`` queues a re-parse of every stylesheet (~60 ms on a 2-core machine) that runs
    after the first parse; selected before the first parse, the theme costs nothing at start-up. Does what
    Textual's theme watcher does (classes, ANSI filter) minus the refresh.
    """
    app.set_reactive(App.theme, name)
    app.stylesheet.set_variables(app.get_css_variables())  # nothing is parsed yet: this only stores them
    dark = app.current_theme.dark
    classes = {c: False for c in app.classes if c.startswith("-theme-")}
    classes.update({f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark})
    app.update_classes(classes, update=False)
    refresh_filter = getattr(app, "_refresh_truecolor_filter", None)  # Textual's own step, private
    if callable(refresh_filter):
        refresh_filter(app.ansi_theme)


def notify_theme_problems(app: App[object], problems: list[ThemeProblem]) -> None:
    """One warning notification listing ``problems`` (none: nothing). Needs a running app."""
    if not problems:
        return
    count = len(problems)
    title = f"{NOTIFY_TITLE}: {count} problem{'s' if count != 1 else ''}, using {app.theme}"
    app.notify(problems_message(problems), title=title, severity="warning", timeout=NOTIFY_TIMEOUT,
               markup=False)
