"""roleswitch.tui.theming driven through a real Textual app (run_test pilot).

A tiny app stands in for the roleswitch app so the theme machinery is tested on its own: it uses the
roleswitch variables in its CSS exactly as the real app does.
"""

from __future__ import annotations

import asyncio
import functools
import os

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Static

from roleswitch.core.themes import APP_VARIABLES, COLOUR_KEYS, builtin_themes_dir, load_theme_file
from roleswitch.tui.theming import (
    LIGHT_THEME_VARIABLE_DEFAULTS,
    THEME_VARIABLE_DEFAULTS,
    install_themes,
    theme_variable_defaults,
)

BUILTIN = builtin_themes_dir()


def sync(test):
    """Run an async pilot test with asyncio.run (the project has no pytest async plugin)."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return wrapper


class FakeSettings:
    """Stands in for core.settings.Settings: only ``theme`` is read."""

    def __init__(self, theme: str | None, path: str = "/home/alice/.config/roleswitch/config.toml") -> None:
        self.theme = theme
        self.path = path


class ThemedApp(App[None]):
    CSS = """
    #prod { color: $rs-prod; background: $rs-expiry-warning; }
    #dev { color: $rs-dev; }
    """

    def __init__(self, requested: str | None = None, *, settings_theme: str | None = None,
                 user_dir: str | None = None) -> None:
        super().__init__()
        self.requested = requested
        self.settings = FakeSettings(settings_theme)
        self.directories = [BUILTIN] + ([user_dir] if user_dir else [])
        self.notifications: list[tuple[str, str, str]] = []
        self.problems: list = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **theme_variable_defaults(self.current_theme.dark)}

    def compose(self) -> ComposeResult:
        yield Static("prod", id="prod")
        yield Static("dev", id="dev")

    def on_mount(self) -> None:
        self.problems = install_themes(self, self.requested, directories=self.directories)

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None,
               markup: bool = True) -> None:
        self.notifications.append((title, message, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


def builtin_variable(theme: str, name: str) -> Color:
    return Color.parse(load_theme_file(os.path.join(BUILTIN, f"{theme}.toml")).variables[name])


def write(directory, name: str, text: str) -> str:
    path = os.path.join(str(directory), name)
    with open(path, "w") as handle:
        handle.write(text)
    return path


@sync
async def test_default_theme_is_roleswitch_dark_without_notification() -> None:
    app = ThemedApp()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.theme == "roleswitch-dark"
        assert app.notifications == [] and app.problems == []
        assert app.query_one("#prod").styles.color == builtin_variable("roleswitch-dark", "rs-prod")
        assert {"roleswitch-dark", "roleswitch-light", "roleswitch-high-contrast"} <= set(app.available_themes)


@pytest.mark.parametrize(("requested", "configured", "expected"), [
    ("roleswitch-light", None, "roleswitch-light"),
    ("roleswitch-light", "roleswitch-high-contrast", "roleswitch-light"),  # --theme beats the config file
    (None, "roleswitch-high-contrast", "roleswitch-high-contrast"),
    ("nord", None, "nord"),  # Textual's own themes stay available
])
@sync
async def test_requested_then_configured_then_default(requested, configured, expected) -> None:
    app = ThemedApp(requested, settings_theme=configured)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.theme == expected and app.notifications == []


@sync
async def test_textual_theme_gets_roleswitch_variable_defaults() -> None:
    app = ThemedApp("nord")
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.query_one("#dev").styles.color == Color.parse(THEME_VARIABLE_DEFAULTS["rs-dev"])


@sync
async def test_light_textual_theme_gets_light_defaults() -> None:
    app = ThemedApp("textual-light")
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.query_one("#dev").styles.color == Color.parse(LIGHT_THEME_VARIABLE_DEFAULTS["rs-dev"])
        app.theme = "nord"
        await pilot.pause()
        assert app.query_one("#dev").styles.color == Color.parse(THEME_VARIABLE_DEFAULTS["rs-dev"])


@sync
async def test_switching_theme_at_runtime_recolours_roleswitch_variables() -> None:
    app = ThemedApp()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        app.theme = "roleswitch-high-contrast"
        await pilot.pause()
        assert app.query_one("#prod").styles.color == builtin_variable("roleswitch-high-contrast", "rs-prod")
        assert app.query_one("#prod").styles.background == builtin_variable(
            "roleswitch-high-contrast", "rs-expiry-warning")


@sync
async def test_palette_lists_roleswitch_themes_and_selects_one() -> None:
    app = ThemedApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_change_theme()
        await pilot.pause()
        await pilot.press(*"roleswitch-light")
        await pilot.pause(0.3)  # the palette searches in a worker
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "roleswitch-light"


@sync
async def test_broken_user_themes_are_reported_together_and_default_is_used(tmp_path) -> None:
    broken = [
        write(tmp_path, "a-syntax.toml", 'name = "x"\nprimary = \n'),
        write(tmp_path, "b-colour.toml", 'name = "b"\nprimary = "#12345"\n'),
        write(tmp_path, "c-textual-var.toml", 'name = "c"\nprimary = "#123456"\n[variables]\nbordr = "#fff"\n'),
    ]
    write(tmp_path, "good.toml", 'name = "ocean"\nprimary = "#1b6ca8"\nbackground = "#0b1d2b"\n')
    app = ThemedApp("missing-theme", settings_theme=None, user_dir=str(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "roleswitch-dark"
        assert "ocean" in app.available_themes  # a good user theme survives its broken neighbours
        assert len(app.notifications) == 1
        title, message, severity = app.notifications[0]
        assert severity == "warning" and title == "Themes: 4 problems, using roleswitch-dark"
        for path in broken:
            assert path in message
        assert "unknown theme variable 'bordr'" in message
        assert "--theme: unknown theme 'missing-theme'" in message
        assert len(message.splitlines()) == 4


@sync
async def test_unknown_requested_falls_back_to_configured(tmp_path) -> None:
    app = ThemedApp("nope", settings_theme="roleswitch-light")
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        assert app.theme == "roleswitch-light"
        assert len(app.notifications) == 1 and "'nope'" in app.notifications[0][1]


@sync
async def test_unknown_configured_theme_names_the_config_file() -> None:
    app = ThemedApp(None, settings_theme="roleswitch-purple")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        assert app.theme == "roleswitch-dark"
        message = app.notifications[0][1]
        assert message.startswith("• /home/alice/.config/roleswitch/config.toml: theme: unknown theme "
                                  "'roleswitch-purple' (roleswitch themes: roleswitch-dark, "
                                  "roleswitch-high-contrast, roleswitch-light;")


@sync
async def test_user_theme_may_redefine_a_builtin_one(tmp_path) -> None:
    write(tmp_path, "mine.toml", 'name = "roleswitch-dark"\nprimary = "#aa00aa"\n'
                                 '[variables]\nrs-prod = "#ff00ff"\n')
    app = ThemedApp(user_dir=str(tmp_path))
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.theme == "roleswitch-dark" and app.notifications == []
        assert app.query_one("#prod").styles.color == Color.parse("#ff00ff")
        # variables the user file leaves out fall back to the roleswitch defaults, not to a CSS error
        assert app.query_one("#dev").styles.color == Color.parse(THEME_VARIABLE_DEFAULTS["rs-dev"])


def test_variable_defaults_cover_exactly_the_roleswitch_variables() -> None:
    assert tuple(THEME_VARIABLE_DEFAULTS) == APP_VARIABLES == tuple(LIGHT_THEME_VARIABLE_DEFAULTS)


@pytest.mark.parametrize(("theme", "dark"), [("roleswitch-dark", True), ("roleswitch-light", False)])
def test_variable_defaults_match_the_builtin_theme_of_the_same_shade(theme: str, dark: bool) -> None:
    spec = load_theme_file(os.path.join(BUILTIN, f"{theme}.toml"))
    assert theme_variable_defaults(dark) == {name: spec.variables[name] for name in APP_VARIABLES}


# --- values a theme may give Textual's variables never break a stylesheet ------------------------------

def _all_default_css() -> list[tuple[str, str]]:
    """DEFAULT_CSS of every widget class Textual and roleswitch define (what a theme's variables feed)."""
    import textual.command  # noqa: F401  (the command palette's widgets)
    import textual.widgets
    from textual.widget import Widget

    import roleswitch.tui.app  # noqa: F401  (roleswitch's screens and widgets)

    for name in textual.widgets.__all__:
        getattr(textual.widgets, name)  # textual.widgets imports lazily

    def subclasses(cls: type) -> list[type]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    classes = {*subclasses(Widget), App}
    return sorted((f"{c.__module__}.{c.__qualname__}", c.__dict__["DEFAULT_CSS"]) for c in classes
                  if c.__dict__.get("DEFAULT_CSS", "").strip())


def _parse_all(variables: dict[str, str]) -> None:
    from textual.css.stylesheet import Stylesheet

    import roleswitch.tui.app as app_module

    stylesheet = Stylesheet(variables=variables)
    for name, css in _all_default_css():
        stylesheet.add_source(css, read_from=(name, ""), is_default_css=True)
    stylesheet.read(os.path.join(os.path.dirname(app_module.__file__), "app.tcss"))
    stylesheet.parse()  # raises StylesheetParseError on any declaration the values make invalid


FORMS = {  # every form variable_problem accepts, per kind
    "colour": ["#123456", "rgb(1, 2, 3)", "hsl(200, 50%, 40%)", "#12345680", "#123456 40%", "transparent"],
    "auto": ["auto 70%", "#abcdef"],
    "initial": ["initial", "#abcdef"],
    "style": ["bold", "none", "bold not underline", "b reverse", "uu italic"],
}


def test_every_accepted_variable_value_keeps_textual_and_roleswitch_css_valid() -> None:
    from roleswitch.tui.theming import textual_variable_kinds, variable_problem

    kinds = textual_variable_kinds()
    base = {**Theme_defaults(), **THEME_VARIABLE_DEFAULTS}
    rounds = max(len(forms) for forms in FORMS.values())
    for index in range(rounds):
        variables = dict(base)
        for name, kind in kinds.items():
            if name in COLOUR_KEYS:
                assert variable_problem(name, "#123456") is not None  # top-level keys, not variables
                continue
            forms = FORMS[kind]
            value = forms[index % len(forms)]
            assert variable_problem(name, value) is None, (name, value)
            variables[name] = value
        _parse_all(variables)


@pytest.mark.parametrize(("name", "value", "breaks_css"), [
    ("border", "auto 50%", True), ("border", "initial", True), ("block-cursor-background", "auto 50%", True),
    ("foreground", "#123456 40%", True), ("button-focus-text-style", "sparkle", True),
    ("text", "initial", False),  # harmless today, but not a form Textual documents for text colours
])
def test_values_textual_would_choke_on_are_refused(name: str, value: str, breaks_css: bool) -> None:
    from textual.css.stylesheet import StylesheetParseError

    from roleswitch.tui.theming import variable_problem

    assert variable_problem(name, value) is not None
    if breaks_css:  # proof that the refusal matters: with this value the stylesheet really breaks
        with pytest.raises(StylesheetParseError):
            _parse_all({**Theme_defaults(), **THEME_VARIABLE_DEFAULTS, name: value})


def Theme_defaults() -> dict[str, str]:  # noqa: N802
    from textual.theme import Theme

    return Theme(name="probe", primary="#336699").to_color_system().generate()


@sync
async def test_a_theme_that_would_break_the_css_is_reported_not_applied(tmp_path) -> None:
    path = write(tmp_path, "breaks.toml", 'name = "breaks"\nprimary = "#123456"\n[variables]\nborder = "auto 50%"\n')
    app = ThemedApp("breaks", user_dir=str(tmp_path))
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.theme == "roleswitch-dark" and "breaks" not in app.available_themes
        assert len(app.notifications) == 1
        assert f"{path}: variables.border: 'auto 50%' is not usable here" in app.notifications[0][1]


def test_core_style_words_are_textuals() -> None:
    """The pure core cannot import Textual; it keeps a copy of Textual's text-style words."""
    from textual.css.constants import VALID_STYLE_FLAGS

    from roleswitch.core import themes

    assert themes._TEXT_STYLES == VALID_STYLE_FLAGS


def test_the_example_theme_in_themes_readme_loads_and_converts(tmp_path) -> None:
    from roleswitch.core.themes import load_themes
    from roleswitch.tui.theming import convert_themes

    with open(os.path.join(BUILTIN, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    write(tmp_path, "ocean.toml", example)
    specs, problems = load_themes([str(tmp_path)])
    themes, conversion_problems = convert_themes(specs)
    assert problems == [] and conversion_problems == [] and list(themes) == ["ocean"]
