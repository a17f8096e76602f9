"""Where roleswitch and the AWS tools keep their files.

Locations follow platformdirs. On Linux the XDG rules are applied directly (a unit test checks they agree
with platformdirs), because importing platformdirs costs ~35 ms and the cached export path must stay fast.
Paths are plain ``str`` for the same reason (pathlib costs another ~12 ms).

Environment overrides: ROLESWITCH_CONFIG (config file), ROLESWITCH_CACHE_DIR, ROLESWITCH_DATA_DIR,
AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE.
"""

from __future__ import annotations

import os
import sys

APP = "roleswitch"


def _xdg(var: str, default: str) -> str:
    value = os.environ.get(var, "").strip()
    return os.path.join(value if value else os.path.expanduser(default), APP)


def _platformdirs(kind: str) -> str:
    import platformdirs  # deferred: see module docstring

    return str(getattr(platformdirs, kind)(APP, appauthor=False))


def config_dir() -> str:
    """roleswitch's config folder (holds config.toml and themes/)."""
    if sys.platform.startswith("linux"):
        return _xdg("XDG_CONFIG_HOME", "~/.config")
    return _platformdirs("user_config_dir")


def config_file() -> str:
    """roleswitch's TOML config: ROLESWITCH_CONFIG or ``<config_dir>/config.toml``."""
    override = os.environ.get("ROLESWITCH_CONFIG")
    return os.path.expanduser(override) if override else os.path.join(config_dir(), "config.toml")


def user_themes_dir() -> str:
    """Folder of the user's own theme files, next to the config file."""
    return os.path.join(os.path.dirname(config_file()), "themes")


def cache_dir() -> str:
    """Credential cache folder: ROLESWITCH_CACHE_DIR or platformdirs' user cache dir."""
    override = os.environ.get("ROLESWITCH_CACHE_DIR")
    if override:
        return os.path.expanduser(override)
    if sys.platform.startswith("linux"):
        return _xdg("XDG_CACHE_HOME", "~/.cache")
    return _platformdirs("user_cache_dir")


def data_dir() -> str:
    """Folder of the audit trail and history: ROLESWITCH_DATA_DIR or platformdirs' user data dir."""
    override = os.environ.get("ROLESWITCH_DATA_DIR")
    if override:
        return os.path.expanduser(override)
    if sys.platform.startswith("linux"):
        return _xdg("XDG_DATA_HOME", "~/.local/share")
    return _platformdirs("user_data_dir")


def aws_config_file() -> str:
    """The AWS shared config file, honouring AWS_CONFIG_FILE."""
    return os.path.expanduser(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config")


def aws_credentials_file() -> str:
    """The AWS shared credentials file, honouring AWS_SHARED_CREDENTIALS_FILE."""
    return os.path.expanduser(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")
