"""core.catalogue: one list of roles from ~/.aws and config.toml, stable names, favorites, chaining."""

from __future__ import annotations

from dataclasses import replace

import pytest
from profilegen import KINDS, make_config

from roleswitch.core import awsconfig
from roleswitch.core.catalogue import Catalogue, load_catalogue, role_fingerprint
from roleswitch.core.errors import ConfigError, NotFoundError
from roleswitch.core.model import ProfileKind

AWS_CONFIG = """\
[default]
region = us-east-1

[profile base-user]
region = eu-west-1

[profile aws-admin]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = base-user
mfa_serial = arn:aws:iam::999999999999:mfa/alice
duration_seconds = 7200

[profile aws-chained]
role_arn = arn:aws:iam::222222222222:role/Deep
source_profile = aws-admin

[profile sso-dev]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Dev

[profile from-sso]
role_arn = arn:aws:iam::111111111111:role/FromSso
source_profile = sso-dev

[profile self-mfa]
role_arn = arn:aws:iam::111111111111:role/Self
source_profile = self-mfa
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile bad-duration]
role_arn = arn:aws:iam::111111111111:role/Bad
source_profile = base-user
duration_seconds = one hour

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
"""

CREDENTIALS = """\
[base-user]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
"""

SETTINGS = """\
favorites = ["tw-deploy", "aws-admin", "gone"]

[accounts.acme-prod]
id = "111111111111"
environment = "prod"
colour = "red"

[accounts.acme-staging]
id = "222222222222"
environment = "staging"

[roles.tw-deploy]
account = "acme-staging"
role_name = "Deploy"
source_profile = "aws-admin"
tags = { team = "sre" }
transitive_tags = ["team"]
reason_required = true

[roles.tw-readonly]
account = "111111111111"
role_name = "ReadOnly"
source_profile = "base-user"
external_id = "ext-1234"
"""


@pytest.fixture
def files(isolated_env) -> dict[str, str]:
    isolated_env.write_config(AWS_CONFIG)
    isolated_env.write_credentials(CREDENTIALS)
    isolated_env.write_settings(SETTINGS)
    return {"config_path": str(isolated_env.config_file), "credentials_path": str(isolated_env.credentials_file),
            "settings_path": str(isolated_env.settings_file)}


def test_both_sources_in_one_catalogue(files: dict[str, str]) -> None:
    cat = load_catalogue()  # paths from the environment
    assert set(cat.names()) == {"default", "base-user", "aws-admin", "aws-chained", "sso-dev", "from-sso",
                                "self-mfa", "bad-duration", "tw-deploy", "tw-readonly"}
    admin = cat.get("aws-admin")
    assert (admin.origin, admin.kind, admin.duration_seconds) == ("aws", ProfileKind.ROLE, 7200)
    assert admin.mfa_serial == "arn:aws:iam::999999999999:mfa/alice"
    assert admin.account is not None and admin.account.alias == "acme-prod"  # matched by account id
    assert admin.account.environment == "prod"
    deploy = cat.get("tw-deploy")
    assert deploy.origin == "roleswitch"
    assert deploy.role_arn == "arn:aws:iam::222222222222:role/Deploy"
    assert deploy.session_tags == (("team", "sre"),) and deploy.transitive_tag_keys == ("team",)
    assert deploy.reason_required
    assert cat.get("tw-readonly").account.alias == "acme-prod"  # account given as an id
    assert cat.get("sso-dev").account.alias == "acme-staging"  # SSO: sso_account_id
    assert cat.get("base-user").kind is ProfileKind.STATIC
    assert cat.profiles["base-user"].has_static_keys
    assert cat.sso_sessions == {"corp": {"sso_start_url": "https://corp.awsapps.com/start",
                                         "sso_region": "eu-west-1"}}


def test_order_favorites_first_then_by_account(files: dict[str, str]) -> None:
    cat = load_catalogue(**files)
    names = cat.names()
    assert names[:2] == ["tw-deploy", "aws-admin"]
    assert cat.get("tw-deploy").favorite and not cat.get("tw-readonly").favorite
    rest = [cat.get(n) for n in names[2:]]
    labels = [(r.account.alias or r.account.id) if r.account else "\uffff" for r in rest]
    assert labels == sorted(labels)
    assert names[-1] in {"default", "base-user", "self-mfa"}  # no account: last
    assert len(cat.warnings) == 2


def test_chained_means_the_source_is_a_role_session(files: dict[str, str]) -> None:
    cat = load_catalogue(**files)
    assert cat.get("aws-chained").chained  # source is an AWS role profile
    assert cat.get("tw-deploy").chained  # TOML role on top of an AWS role profile
    assert cat.get("from-sso").chained  # SSO credentials are role sessions too
    assert not cat.get("aws-admin").chained  # static keys
    assert not cat.get("tw-readonly").chained
    assert not cat.get("self-mfa").chained  # botocore's self-reference: its own static keys


def test_warnings_for_harmless_problems(files: dict[str, str]) -> None:
    cat = load_catalogue(**files)
    assert any("'gone' names no role" in w for w in cat.warnings)
    assert any("[bad-duration]" in w and "not a number" in w for w in cat.warnings)
    assert cat.get("bad-duration").duration_seconds is None


def test_dangling_source_profile_is_a_warning(files: dict[str, str], isolated_env) -> None:
    isolated_env.write_settings(SETTINGS + '[roles.orphan]\nrole_arn = "arn:aws:iam::111111111111:role/O"\n'
                                'source_profile = "nobody"\n')
    cat = load_catalogue(**files)
    assert f"{files['settings_path']}: [orphan]: source_profile 'nobody' names no profile" in cat.warnings
    assert not cat.get("orphan").chained


def test_unknown_name_suggests_close_ones(files: dict[str, str]) -> None:
    cat = load_catalogue(**files)
    with pytest.raises(NotFoundError) as info:
        cat.get("aws-admn")
    assert info.value.hint.startswith("did you mean aws-admin")
    assert "aws-admn" in info.value.one_line()
    with pytest.raises(NotFoundError, match="no role or profile named 'zzz'"):
        cat.get("zzz")
    assert "aws-admin" in cat and "zzz" not in cat


def test_a_roleswitch_role_shadows_an_aws_profile_of_the_same_name_with_a_warning(
        files: dict[str, str], isolated_env) -> None:
    # e.g. after `roleswitch export aws-admin --write-profile aws-admin`: the catalogue must still load.
    isolated_env.write_settings(SETTINGS + '\n[roles.aws-admin]\nrole_arn = "arn:aws:iam::111111111111:role/X"\n')
    cat = load_catalogue(**files)
    assert cat.get("aws-admin").origin == "roleswitch"
    assert cat.get("aws-admin").role_arn == "arn:aws:iam::111111111111:role/X"
    assert [role.name for role in cat.roles].count("aws-admin") == 1
    (warning,) = [w for w in cat.warnings if "aws-admin" in w]
    assert files["config_path"] in warning and files["settings_path"] in warning and "shadows" in warning


def test_invalid_settings_stop_loading(files: dict[str, str], isolated_env) -> None:
    isolated_env.write_settings("[roles.x]\nrole_name = 'A'\n")
    with pytest.raises(ConfigError, match="needs an account"):
        load_catalogue(**files)


def test_role_fingerprint(files: dict[str, str]) -> None:
    cat = load_catalogue(**files)
    role = cat.get("tw-readonly")
    assert role_fingerprint(role) == role_fingerprint(load_catalogue(**files).get("tw-readonly"))
    assert role_fingerprint(replace(role, favorite=True)) == role_fingerprint(role)
    assert role_fingerprint(replace(role, mfa_serial="arn:aws:iam::1:mfa/x")) != role_fingerprint(role)
    assert role_fingerprint(replace(role, external_id="other-id")) != role_fingerprint(role)
    assert "ext-1234" not in role_fingerprint(role) and "ext-1234" not in repr(role)
    assert len({role_fingerprint(r) for r in cat.roles}) == len(cat.roles)


def test_fast_built_roles_equal_normal_ones(files: dict[str, str]) -> None:
    cat = load_catalogue(**files)
    for role in cat.roles:
        assert replace(role) == role  # a real __init__ gives an equal object: no field missing or extra


def test_five_thousand_profiles_list_and_reload_from_the_index(isolated_env, monkeypatch) -> None:
    config, credentials = make_config(5000)
    isolated_env.write_config(config)
    isolated_env.write_credentials(credentials)
    first = load_catalogue()
    assert isinstance(first, Catalogue)
    assert len(first.roles) == len(first.profiles) >= 5000
    assert {r.kind for r in first.roles} >= {ProfileKind.ROLE, ProfileKind.SSO, ProfileKind.PROCESS,
                                             ProfileKind.WEB_IDENTITY, ProfileKind.STATIC}
    assert len(KINDS) == 8

    calls: list[str] = []
    real = awsconfig._parse_file
    monkeypatch.setattr(awsconfig, "_parse_file", lambda path, **kw: calls.append(path) or real(path, **kw))
    second = load_catalogue()
    assert calls == []  # the index answered; no file was parsed again
    assert second.names() == first.names()
    assert second.get("role-mfa-4001") == first.get("role-mfa-4001")
    assert second.profiles["user-3"].values == first.profiles["user-3"].values  # secrets re-read exactly
