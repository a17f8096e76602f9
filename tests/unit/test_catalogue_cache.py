"""core.catalogue's cache of built roles: the same catalogue as a fresh build, invalidated by any of the three
files, never holding a secret (External ID, keys)."""

from __future__ import annotations

import glob
import os
from dataclasses import replace

from profilegen import make_config
from test_catalogue import AWS_CONFIG, CREDENTIALS, SETTINGS

from roleswitch.core import catalogue as catalogue_mod
from roleswitch.core.catalogue import load_catalogue

SECRET_PROFILE = """
[profile ext-role]
role_arn = arn:aws:iam::111111111111:role/Ext
source_profile = base-user
external_id = ext-secret-5678
"""


def _cache_files() -> list[str]:
    return glob.glob(os.path.join(os.environ["ROLESWITCH_CACHE_DIR"], "**", "catalogue-*"), recursive=True)


def _build_counter(monkeypatch) -> list[int]:
    builds: list[int] = []
    real = catalogue_mod._build
    monkeypatch.setattr(catalogue_mod, "_build", lambda *a: builds.append(1) or real(*a))
    return builds


def test_cached_catalogue_equals_a_fresh_build(isolated_env, monkeypatch) -> None:
    isolated_env.write_config(AWS_CONFIG + SECRET_PROFILE)
    isolated_env.write_credentials(CREDENTIALS)
    isolated_env.write_settings(SETTINGS)
    builds = _build_counter(monkeypatch)
    cold = load_catalogue()
    warm = load_catalogue()
    assert builds == [1]  # the second load came from the cache
    assert warm.roles == cold.roles  # every field, order, accounts, favorites, chaining
    assert warm.warnings == cold.warnings and warm.sso_sessions == cold.sso_sessions
    assert warm.get("ext-role").external_id == "ext-secret-5678"  # read back from the profile
    assert warm.get("tw-readonly").external_id == "ext-1234"  # and from the settings
    assert warm.get("tw-deploy").account is warm.get("aws-chained").account  # accounts shared as when built
    for role in warm.roles:
        assert replace(role) == role  # a real __init__ gives an equal object: no field missing or extra
    (path,) = _cache_files()
    data = open(path, "rb").read()
    for secret in (b"ext-secret-5678", b"ext-1234", b"wJalrXUtnFEMI", b"AKIAIOSFODNN7EXAMPLE"):
        assert secret not in data
    assert os.stat(path).st_mode & 0o077 == 0


def test_any_changed_file_rebuilds(isolated_env, monkeypatch) -> None:
    isolated_env.write_config(AWS_CONFIG)
    isolated_env.write_credentials(CREDENTIALS)
    isolated_env.write_settings(SETTINGS)
    builds = _build_counter(monkeypatch)
    load_catalogue()
    isolated_env.write_settings(SETTINGS.replace('favorites = ["tw-deploy", "aws-admin", "gone"]',
                                                 'favorites = ["aws-chained"]'))
    assert load_catalogue().names()[0] == "aws-chained"
    isolated_env.write_config(AWS_CONFIG + SECRET_PROFILE)
    assert "ext-role" in load_catalogue()
    isolated_env.write_credentials(CREDENTIALS + "\n[extra-user]\naws_access_key_id = AKIAIOSFODNN7EXAMPLF\n"
                                   "aws_secret_access_key = x\n")
    assert "extra-user" in load_catalogue()
    assert len(builds) == 4
    load_catalogue()
    assert len(builds) == 4


def test_five_thousand_profiles_from_the_cache(isolated_env, monkeypatch) -> None:
    config, credentials = make_config(5000)
    isolated_env.write_config(config)
    isolated_env.write_credentials(credentials)
    builds = _build_counter(monkeypatch)
    cold = load_catalogue()
    warm = load_catalogue()
    assert builds == [1]
    assert warm.roles == cold.roles and warm.names() == cold.names()
    assert warm.profiles["user-3"].values == cold.profiles["user-3"].values


def test_unreadable_cache_is_rebuilt(isolated_env, monkeypatch) -> None:
    isolated_env.write_config(AWS_CONFIG)
    isolated_env.write_credentials(CREDENTIALS)
    cold = load_catalogue()
    (path,) = _cache_files()
    with open(path, "wb") as handle:
        handle.write(b"\x00garbage")
    assert load_catalogue().roles == cold.roles
