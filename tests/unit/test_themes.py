"""roleswitch.core.themes: strict theme files, loaded without ever raising for a broken one."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest

from roleswitch.core import themes
from roleswitch.core.errors import ConfigError
from roleswitch.core.themes import (
    APP_VARIABLES,
    BUILTIN_THEME_NAMES,
    DEFAULT_THEME,
    ThemeProblem,
    builtin_themes_dir,
    is_colour,
    load_theme_file,
    load_themes,
    parse_theme,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write(directory, name: str, text: str | bytes) -> str:
    path = os.path.join(str(directory), name)
    with open(path, "wb") as handle:
        handle.write(text.encode() if isinstance(text, str) else text)
    return path


# --- colours -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["#fff", "#FFFA", "#12ab9F", "#12ab9F80", "rgb(0, 128, 255)",
                                   "rgba(0,128,255,0.5)", "hsl(210, 50%, 40%)", "hsla(210,50%,40%,50%)",
                                   "  #123456  "])
def test_is_colour_accepts_the_documented_syntaxes(value: str) -> None:
    assert is_colour(value)


@pytest.mark.parametrize("value", ["", "red", "#12", "#12345", "#1234567", "#ggg", "123456", "rgb(256,0,0)",
                                   "rgb(1,2)", "rgba(1,2,3)", "rgb(1,2,3,0.5)", "hsl(10, 50, 40)",
                                   "hsl(10, 150%, 40%)", "rgba(1,2,3,2)", "#fff; x", "url(x)"])
def test_is_colour_rejects_everything_else(value: str) -> None:
    assert not is_colour(value)


# --- one theme table ------------------------------------------------------------------------------------

def test_parse_theme_keeps_colours_variables_and_metadata() -> None:
    spec = parse_theme({"name": "mine", "primary": "#123456", "background": "#000", "dark": False,
                        "text_alpha": 1, "description": "Mine", "author": "Ann",
                        "variables": {"rs-prod": "#ff0000", "input-selection-background": "#81a1c1 35%",
                                      "text-muted": "auto 60%", "block-cursor-text-style": "bold reverse",
                                      "footer-key-background": "transparent"}}, path="/t/mine.toml")
    assert spec.name == "mine" and spec.dark is False and spec.text_alpha == 1.0
    assert spec.colours() == {"primary": "#123456", "background": "#000"}
    assert dict(spec.variables)["rs-prod"] == "#ff0000"
    assert spec.path == "/t/mine.toml" and spec.author == "Ann"
    with pytest.raises(TypeError):
        spec.variables["rs-dev"] = "#000"  # type: ignore[index]  # read-only: specs are shared


@pytest.mark.parametrize(("data", "where", "fragment"), [
    ({"name": "a", "primary": "#000", "primry": "#000"}, "primry", "unknown key 'primry'; did you mean 'primary'?"),
    ({"primary": "#000"}, "name", "name is required"),
    ({"name": "Bad Name", "primary": "#000"}, "name", "a-z"),
    ({"name": "a" * 65, "primary": "#000"}, "name", "1-64"),
    ({"name": "a"}, "primary", "primary is required"),
    ({"name": "a", "primary": "blue"}, "primary", "is not a colour"),
    ({"name": "a", "primary": "#000", "error": 5}, "error", "is not a colour"),
    ({"name": "a", "primary": "#000", "dark": "yes"}, "dark", "true or false"),
    ({"name": "a", "primary": "#000", "text_alpha": 2}, "text_alpha", "from 0.0 to 1.0"),
    ({"name": "a", "primary": "#000", "luminosity_spread": True}, "luminosity_spread", "number"),
    ({"name": "a", "primary": "#000", "description": "x\ny"}, "description", "one line"),
    ({"name": "a", "primary": "#000", "variables": "#fff"}, "variables", "must be a table"),
    ({"name": "a", "primary": "#000", "variables": {"rs-prd": "#fff"}}, "variables.rs-prd",
     "unknown roleswitch variable 'rs-prd'; did you mean 'rs-prod'?"),
    ({"name": "a", "primary": "#000", "variables": {"Bad_Name": "#fff"}}, "variables.Bad_Name", "a-z"),
    ({"name": "a", "primary": "#000", "variables": {"rs-dev": "green"}}, "variables.rs-dev", "not a colour"),
    ({"name": "a", "primary": "#000", "variables": {"link-style": "sparkly"}}, "variables.link-style",
     "style words"),
    ({"name": "a", "primary": "#000", "variables": {"border": "#fff 300%"}}, "variables.border", "colour"),
])
def test_parse_theme_rejects_with_one_clear_line(data: dict, where: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_theme(data, path="/t/x.toml")
    assert info.value.where == f"/t/x.toml: {where}"
    assert fragment in info.value.message
    assert "\n" not in info.value.one_line()


def test_unknown_key_error_lists_what_is_allowed() -> None:
    with pytest.raises(ConfigError) as info:
        parse_theme({"name": "a", "primary": "#000", "colour": "#fff"})
    assert "allowed keys:" in info.value.message and "background" in info.value.message
    assert info.value.where == "colour"


# --- files and folders ----------------------------------------------------------------------------------

GOOD = 'name = "{name}"\nprimary = "#336699"\n[variables]\nrs-prod = "#ff0000"\n'


def test_load_theme_file_reports_toml_syntax_errors(tmp_path) -> None:
    path = write(tmp_path, "bad.toml", 'name = "a"\nprimary = \n')
    with pytest.raises(ConfigError) as info:
        load_theme_file(path)
    assert info.value.where == path and "not valid TOML" in info.value.message


def test_load_themes_collects_every_problem_and_keeps_the_good_themes(tmp_path) -> None:
    good = write(tmp_path, "good.toml", GOOD.format(name="good"))
    broken = {
        "syntax.toml": 'name = "x"\nprimary = "#000"\n[variables\n',
        "colour.toml": 'name = "colour"\nprimary = "not-a-colour"\n',
        "unknown.toml": 'name = "unknown"\nprimary = "#000"\nbackgrund = "#000"\n',
        "latin1.toml": b'name = "caf\xe9"\nprimary = "#000"\n',
        "huge.toml": "# " + "x" * (themes.MAX_FILE_BYTES + 10) + "\n",
    }
    paths = {name: write(tmp_path, name, text) for name, text in broken.items()}
    os.mkdir(tmp_path / "folder.toml")  # not a file: reported, not fatal
    write(tmp_path, "notes.txt", "ignored: not a theme file")
    write(tmp_path, ".hidden.toml", "ignored = 'hidden'")

    loaded, problems = load_themes([str(tmp_path)])

    assert list(loaded) == ["good"] and loaded["good"].path == good
    by_path = {problem.path: problem.message for problem in problems}
    assert set(by_path) == set(paths.values()) | {str(tmp_path / "folder.toml")}
    assert "not valid TOML" in by_path[paths["syntax.toml"]]
    assert by_path[paths["colour.toml"]].startswith("primary: 'not-a-colour' is not a colour")
    assert by_path[paths["unknown.toml"]].startswith("backgrund: unknown key")
    assert "not UTF-8" in by_path[paths["latin1.toml"]]
    assert "larger than 64 KiB" in by_path[paths["huge.toml"]]
    assert all("\n" not in problem.one_line() for problem in problems)


def test_load_themes_user_folder_overrides_builtin_and_duplicates_are_reported(tmp_path) -> None:
    builtin, user = tmp_path / "builtin", tmp_path / "user"
    builtin.mkdir()
    user.mkdir()
    write(builtin, "a.toml", GOOD.format(name="shared"))
    first = write(user, "1.toml", GOOD.format(name="shared").replace("#336699", "#abcdef"))
    second = write(user, "2.toml", GOOD.format(name="shared"))

    loaded, problems = load_themes([str(builtin), str(user)])

    assert loaded["shared"].primary == "#abcdef" and loaded["shared"].path == first
    assert problems == [ThemeProblem(second, f"theme 'shared' is already defined in {first}")]


def test_load_themes_missing_folder_is_not_a_problem(tmp_path) -> None:
    assert load_themes([str(tmp_path / "nope"), str(write(tmp_path, "file", "x"))]) == ({}, [])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_theme_file_is_a_problem(tmp_path) -> None:
    path = write(tmp_path, "secret.toml", GOOD.format(name="x"))
    os.chmod(path, 0)
    loaded, problems = load_themes([str(tmp_path)])
    assert loaded == {} and problems[0].path == path and "cannot read" in problems[0].message


def test_theme_dirs_are_builtin_then_user(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ROLESWITCH_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    assert themes.theme_dirs() == [builtin_themes_dir(), str(tmp_path / "cfg" / "themes")]


# --- the shipped themes ---------------------------------------------------------------------------------

def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_builtin_themes_load_cleanly_and_set_every_roleswitch_variable() -> None:
    loaded, problems = load_themes([builtin_themes_dir()])
    assert problems == []
    assert set(BUILTIN_THEME_NAMES) <= set(loaded) and DEFAULT_THEME in loaded
    for name in BUILTIN_THEME_NAMES:
        assert set(APP_VARIABLES) <= set(loaded[name].variables), name
        assert os.path.basename(loaded[name].path) == f"{name}.toml"
    assert loaded["roleswitch-light"].dark is False
    assert loaded["roleswitch-dark"].dark and loaded["roleswitch-high-contrast"].dark


@pytest.mark.parametrize(("name", "minimum"), [("roleswitch-dark", 4.5), ("roleswitch-light", 4.5),
                                               ("roleswitch-high-contrast", 7.0)])
def test_builtin_theme_text_and_status_colours_are_readable(name: str, minimum: float) -> None:
    spec = load_theme_file(os.path.join(builtin_themes_dir(), f"{name}.toml"))
    background = spec.background or "#000000"
    assert contrast(spec.foreground or "#ffffff", background) >= 7.0
    for key in ("warning", "error", "success", "primary"):
        assert contrast(getattr(spec, key), background) >= minimum, key
    for key in APP_VARIABLES:
        assert contrast(spec.variables[key], background) >= minimum, key


@pytest.mark.parametrize("name", BUILTIN_THEME_NAMES)
def test_coloured_labels_stay_readable_on_the_selected_row(name: str) -> None:
    """Environment and expiry colours are drawn on the list/table cursor row too (prod in red on the
    highlighted role): they must keep 4.5:1 against both cursor backgrounds."""
    spec = load_theme_file(os.path.join(builtin_themes_dir(), f"{name}.toml"))
    for cursor in ("block-cursor-background", "block-cursor-blurred-background"):
        background = spec.variables[cursor]
        for key in APP_VARIABLES:
            assert contrast(spec.variables[key], background) >= 4.5, (cursor, key)
    assert contrast(spec.variables["block-cursor-foreground"], spec.variables["block-cursor-background"]) >= 7


def test_builtin_themes_are_found_in_checkout_and_shipped_as_package_data() -> None:
    folder = builtin_themes_dir()
    assert os.path.realpath(folder) == os.path.join(REPO, "themes")
    # roleswitch/themes -> ../themes is what puts the files in wheels; pyproject must list them.
    assert os.path.realpath(os.path.join(REPO, "roleswitch", "themes")) == os.path.join(REPO, "themes")
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as handle:
        package_data = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["roleswitch"]
    assert "themes/*.toml" in package_data


def test_theme_core_does_not_import_textual_or_rich() -> None:
    code = ("import sys, roleswitch.core.themes as t; t.load_themes(t.theme_dirs()); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_roleswitch_variables_take_plain_colours_only() -> None:
    """They are used inside text styles ("bold $rs-prod"), where 'auto 50%' or an alpha suffix breaks."""
    for value in ("auto 50%", "#ff0000 50%", "transparent"):
        with pytest.raises(ConfigError) as info:
            parse_theme({"name": "a", "primary": "#000", "variables": {"rs-prod": value}})
        assert info.value.where == "variables.rs-prod"
