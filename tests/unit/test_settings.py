"""core.settings: strict TOML validation, round trip through tomli-w, favorites edits that keep comments."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from roleswitch.core.errors import ConfigError
from roleswitch.core.model import Account
from roleswitch.core.settings import (
    Defaults,
    add_favorite,
    load_settings,
    remove_favorite,
    save_settings,
)

FULL = """\
# roleswitch config: comments must survive favorite edits
theme = "roleswitch-dark"
favorites = ["prod-admin", "staging-dev"]  # pinned

[defaults]
region = "eu-west-1"
duration_seconds = 3600
refresh_margin_seconds = 120
source_identity = true
mfa_session_seconds = 28800
audit = false
session_name = "alice"

[accounts.acme-prod]
id = "111111111111"
environment = "prod"
colour = "red"

[accounts.acme-staging]
id = "222222222222"
environment = "staging"
colour = "#ffaa00"

[roles.prod-admin]
account = "acme-prod"
role_name = "Admin"
source_profile = "acme-user"
mfa_serial = "arn:aws:iam::333333333333:mfa/alice"
external_id = "ext-123"
duration_seconds = 3600
tags = { team = "sre", ticket = "OPS-1" }
transitive_tags = ["team"]
policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
policy_file = "~/policies/narrow.json"
region = "us-east-1"
reason_required = true
description = "Production admin"
session_name = "alice-admin"
source_identity = "alice"

[roles.staging-dev]
role_arn = "arn:aws:iam::222222222222:role/Dev"
credential_source = "Ec2InstanceMetadata"

[roles.ci-web]
role_arn = "arn:aws:iam::222222222222:role/Web"
web_identity_token_file = "/var/run/token"

[keymap]
assume = "ctrl+a"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_full_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    settings = load_settings(str(path))
    assert settings.path == str(path)
    assert settings.theme == "roleswitch-dark"
    assert settings.favorites == ("prod-admin", "staging-dev")
    assert settings.defaults == Defaults(region="eu-west-1", duration_seconds=3600, refresh_margin_seconds=120,
                                         source_identity=True, mfa_session_seconds=28800, audit=False,
                                         session_name="alice")
    assert settings.accounts["acme-prod"] == Account(id="111111111111", alias="acme-prod", environment="prod",
                                                     colour="red")
    admin = settings.roles["prod-admin"]
    assert admin.role_arn == "arn:aws:iam::111111111111:role/Admin"
    assert admin.tags == (("team", "sre"), ("ticket", "OPS-1"))
    assert admin.transitive_tags == ("team",)
    assert admin.policy_file == str(Path.home() / "policies/narrow.json")
    assert admin.reason_required is True
    assert "ext-123" not in repr(admin)  # the External ID never shows
    assert settings.roles["ci-web"].web_identity_token_file == "/var/run/token"
    assert settings.keymap == {"assume": "ctrl+a"}
    assert settings.account_for("222222222222").alias == "acme-staging"


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(str(tmp_path / "absent.toml"))
    assert settings.roles == {} and settings.favorites == () and settings.defaults == Defaults()


def test_default_path_honours_roleswitch_config(isolated_env) -> None:
    isolated_env.write_settings('theme = "mine"\n')
    assert load_settings().theme == "mine"
    assert load_settings().path == str(isolated_env.settings_file)


@pytest.mark.parametrize(
    ("snippet", "where", "fragment"),
    [
        ('colour = "red"\n', "colour", "unknown key 'colour'"),
        ('[defaults]\nduration = 3600\n', "defaults.duration", "allowed: region, duration_seconds"),
        ('[defaults]\nduration_seconds = 60\n', "defaults.duration_seconds", "out of range"),
        ('[defaults]\nduration_seconds = "1h"\n', "defaults.duration_seconds", "expected an integer"),
        ('[defaults]\nregion = "Europe"\n', "defaults.region", "not valid"),
        ('[defaults]\naudit = "yes"\n', "defaults.audit", "expected true or false"),
        ('[accounts.a]\nid = "1234"\n', "accounts.a.id", "not valid"),
        ('[accounts.a]\nid = 111111111111\n', "accounts.a.id", "quoted string"),
        ('[accounts.a]\nid = "111111111111"\ncolour = "#12"\n', "accounts.a.colour", "not valid"),
        ('[accounts.a]\nenvironment = "prod"\n', "accounts.a", "has no id"),
        ('[accounts."bad name"]\nid = "111111111111"\n', "accounts.bad name", "not usable on the command line"),
        ('[roles.r]\nrole_name = "Admin"\n', "roles.r.role_name", "needs an account"),
        ('[roles.r]\naccount = "nope"\nrole_name = "A"\n', "roles.r.account", "unknown account"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::1:role/x"\n', "roles.r.role_arn", "not well formed"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\nduration_seconds = 50000\n',
         "roles.r.duration_seconds", "out of range"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\ntags = { team = 1 }\n',
         "roles.r.tags.team", "expected a string"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\ntags = { a = "b" }\n'
         'transitive_tags = ["c"]\n', "roles.r.tags", "not among the session tags"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\ncredential_source = "Laptop"\n',
         "roles.r.credential_source", "allowed: Environment, Ec2InstanceMetadata, EcsContainer"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\nsource_profile = "a"\n'
         'credential_source = "Environment"\n', "roles.r", "both set"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\nmfa_serial = "arn:aws:iam::1:mfa/x"\n',
         "roles.r.mfa_serial", "not an MFA device ARN"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\nexternal_id = "a"\n',
         "roles.r.external_id", "STS allows 2..1224"),
        ('[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\nsessionname = "a"\n',
         "roles.r.sessionname", "unknown key"),
        ('[roles.r]\ndescription = "nothing to assume"\n', "roles.r", "no role_arn or role_name"),
        ('favorites = ["a", "a"]\n', "favorites[1]", "listed twice"),
        ('[keymap]\nassume = 3\n', "keymap.assume", "expected a string"),
    ],
)
def test_strict_validation_names_file_key_and_what_is_allowed(tmp_path: Path, snippet: str, where: str,
                                                              fragment: str) -> None:
    path = write(tmp_path, snippet)
    with pytest.raises(ConfigError) as info:
        load_settings(str(path))
    assert info.value.where == f"{path}: {where}"
    assert fragment in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_external_id_never_in_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/x"\nexternal_id = "s3cr3t!!"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(str(path))
    assert "s3cr3t" not in info.value.one_line()


def test_role_arn_and_account_must_agree(tmp_path: Path) -> None:
    path = write(tmp_path, '[accounts.a]\nid = "111111111111"\n'
                           '[roles.r]\naccount = "a"\nrole_arn = "arn:aws:iam::222222222222:role/x"\n')
    with pytest.raises(ConfigError, match="account is a"):
        load_settings(str(path))


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "x"\nfavorites = = []\n')
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        load_settings(str(path))
    assert info.value.where == str(path)
    assert "line 2" in info.value.message


def test_round_trip_through_tomli_w(tmp_path: Path) -> None:
    settings = load_settings(str(write(tmp_path, FULL)))
    out = tmp_path / "out" / "config.toml"
    save_settings(settings, str(out))
    again = load_settings(str(out))
    assert again == settings.__class__(**{**settings.__dict__, "path": str(out)})
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    doc = tomllib.loads(out.read_text())
    assert doc["roles"]["prod-admin"]["role_name"] == "Admin" and "role_arn" not in doc["roles"]["prod-admin"]
    assert "defaults" in doc and "refresh_margin_seconds" in doc["defaults"]


def test_add_and_remove_favorite_keep_comments(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    settings = add_favorite("ci-web", str(path))
    assert settings.favorites == ("prod-admin", "staging-dev", "ci-web")
    text = path.read_text()
    assert text.startswith("# roleswitch config: comments must survive favorite edits\n")
    assert 'favorites = ["prod-admin", "staging-dev", "ci-web"]\n' in text
    assert text.replace(text.splitlines()[2], "") == FULL.replace(FULL.splitlines()[2], "")  # only that line
    assert load_settings(str(path)).favorites == ("prod-admin", "staging-dev", "ci-web")
    assert add_favorite("ci-web", str(path)).favorites == ("prod-admin", "staging-dev", "ci-web")  # no-op
    remove_favorite("prod-admin", str(path))
    assert load_settings(str(path)).favorites == ("staging-dev", "ci-web")
    assert "# pinned" not in path.read_text()  # the replaced line's own comment goes; all others stay
    assert "[accounts.acme-prod]\nid = \"111111111111\"" in path.read_text()


def test_add_favorite_inserts_before_first_table(tmp_path: Path) -> None:
    path = write(tmp_path, "# top\n[defaults]\nregion = \"eu-west-1\"\n")
    add_favorite("x", str(path))
    assert path.read_text() == '# top\nfavorites = ["x"]\n[defaults]\nregion = "eu-west-1"\n'
    assert load_settings(str(path)).defaults.region == "eu-west-1"


def test_add_favorite_falls_back_to_rewrite_for_multiline_arrays(tmp_path: Path) -> None:
    path = write(tmp_path, 'favorites = [\n  "a",\n]\n')
    add_favorite("b", str(path))
    assert load_settings(str(path)).favorites == ("a", "b")


def test_add_favorite_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    add_favorite("x", str(path))
    assert load_settings(str(path)).favorites == ("x",)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_add_favorite_refuses_an_invalid_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bogus = 1\n")
    with pytest.raises(ConfigError, match="unknown key"):
        add_favorite("x", str(path))
    assert path.read_text() == "bogus = 1\n"
