"""settings.set_theme: the theme picked in the TUI is saved with a one-line edit (comments and layout stay)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from roleswitch.core.errors import ConfigError
from roleswitch.core.settings import load_settings, set_theme

USER_FILE = """\
# my roleswitch config: hand-written, comments must survive
theme = "roleswitch-dark"   # the one I like at night
favorites = ["prod-admin"]  # pinned

[defaults]
# Europe first
region = "eu-west-1"
"""


def test_set_theme_replaces_only_the_theme_line_and_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    settings = set_theme("roleswitch-light", str(path))
    assert settings.theme == "roleswitch-light"
    text = path.read_text()
    before, after = USER_FILE.splitlines(), text.splitlines()
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [('theme = "roleswitch-dark"   # the one I like at night',
                        'theme = "roleswitch-light"  # the one I like at night')]
    loaded = load_settings(str(path))
    assert loaded.theme == "roleswitch-light" and loaded.favorites == ("prod-admin",)
    assert loaded.defaults.region == "eu-west-1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_set_theme_inserts_before_the_first_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# top comment\nfavorites = ["a"]\n\n[defaults]\nregion = "eu-west-1"  # here\n')
    set_theme("textual-dark", str(path))
    assert path.read_text() == ('# top comment\nfavorites = ["a"]\n\ntheme = "textual-dark"\n[defaults]\n'
                                'region = "eu-west-1"  # here\n')
    assert load_settings(str(path)).theme == "textual-dark"


def test_set_theme_creates_the_file_and_quotes_odd_names(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    set_theme('my "odd" theme', str(path))
    assert load_settings(str(path)).theme == 'my "odd" theme'
    assert set_theme('my "odd" theme', str(path)).theme == 'my "odd" theme'  # no-op


def test_set_theme_refuses_an_invalid_file_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("bogus = 1\n")
    with pytest.raises(ConfigError, match="unknown key"):
        set_theme("roleswitch-light", str(path))
    assert path.read_text() == "bogus = 1\n"
    with pytest.raises(ConfigError, match="theme name"):
        set_theme("  ", str(path))
