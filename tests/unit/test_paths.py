"""core.paths: on Linux the hand-written XDG rules agree with platformdirs; env overrides are honoured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from roleswitch.core import paths

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG rules are Linux-only")

XDG = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")
OVERRIDES = ("ROLESWITCH_CONFIG", "ROLESWITCH_CACHE_DIR", "ROLESWITCH_DATA_DIR", "AWS_CONFIG_FILE",
             "AWS_SHARED_CREDENTIALS_FILE")


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in XDG + OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def expected() -> tuple[str, str, str]:
    return (platformdirs.user_config_dir("roleswitch", appauthor=False),
            platformdirs.user_cache_dir("roleswitch", appauthor=False),
            platformdirs.user_data_dir("roleswitch", appauthor=False))


def test_agree_with_platformdirs_without_xdg(home: Path) -> None:
    assert (paths.config_dir(), paths.cache_dir(), paths.data_dir()) == expected()
    assert paths.config_dir() == str(home / ".config" / "roleswitch")
    assert paths.config_file() == str(home / ".config" / "roleswitch" / "config.toml")


def test_agree_with_platformdirs_with_xdg(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "cfg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cch"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "dat"))
    assert (paths.config_dir(), paths.cache_dir(), paths.data_dir()) == expected()
    assert paths.cache_dir() == str(home / "cch" / "roleswitch")


@pytest.mark.parametrize("value", ["", "   "])
def test_blank_xdg_means_unset_like_platformdirs(home: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    for name in XDG:
        monkeypatch.setenv(name, value)
    assert (paths.config_dir(), paths.cache_dir(), paths.data_dir()) == expected()


def test_roleswitch_overrides(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLESWITCH_CONFIG", "~/elsewhere/rs.toml")
    monkeypatch.setenv("ROLESWITCH_CACHE_DIR", str(home / "c"))
    monkeypatch.setenv("ROLESWITCH_DATA_DIR", str(home / "d"))
    assert paths.config_file() == str(home / "elsewhere" / "rs.toml")
    assert paths.user_themes_dir() == str(home / "elsewhere" / "themes")
    assert paths.cache_dir() == str(home / "c")
    assert paths.data_dir() == str(home / "d")


def test_aws_file_overrides(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.aws_config_file() == str(home / ".aws" / "config")
    assert paths.aws_credentials_file() == str(home / ".aws" / "credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "~/x/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "y" / "creds"))
    assert paths.aws_config_file() == str(home / "x" / "config")
    assert paths.aws_credentials_file() == str(home / "y" / "creds")


def test_paths_module_stays_light() -> None:
    """The cached export path imports core.paths: no platformdirs on Linux."""
    code = "import sys, roleswitch.core.paths as p; p.config_file(); p.cache_dir(); print('platformdirs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "HOME": "/tmp"})
    assert out.stdout.strip() == "False"
