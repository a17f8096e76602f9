"""core.awsconfig: agreement with botocore's own loader, the index, the credentials writer."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore import configloader
from botocore.exceptions import ConfigParseError
from botocore.session import Session as BotocoreSession
from profilegen import FAKE_SECRET, make_config

from roleswitch.core import awsconfig
from roleswitch.core.errors import ConfigError
from roleswitch.core.model import Credentials, ProfileKind

TRICKY_CONFIG = """\
# a comment before any section
; and another style

[default]
region = us-east-1
output=json
s3 =
    max_concurrent_requests = 10
    addressing_style = path

  # an indented comment inside the default section
[profile dev]
role_arn = arn:aws:iam::111111111111:role/Dev
source_profile = default
mfa_serial = arn:aws:iam::222222222222:mfa/alice
external_id = abc:def=ghi
duration_seconds = 7200
role_session_name = alice@laptop
Region: eu-west-1
[profile   spaced   ]
credential_source = Ec2InstanceMetadata
role_arn = arn:aws:iam::111111111111:role/Ci

[profile "quoted name"]
credential_process = /bin/echo "hello ; # not a comment" value=1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile sso-new]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = PowerUser

[profile sso-legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 444444444444
sso_role_name = ReadOnly

[profile web]
role_arn = arn:aws:iam::555555555555:role/Web
web_identity_token_file = /var/run/token
s3 =
    max_concurrent_requests = 10
    ; a comment inside the nested block
    addressing_style = path
[profile multi]
note = first line
  second line

  after a blank line
[services my-services]
s3 =
  endpoint_url = http://localhost:4566
[plugins]
foo = bar
[preview]
cloudfront = true
[profile default]
output = text
"""

TRICKY_CREDENTIALS = """\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile dev]
aws_access_key_id = AKIAWEIRDPREFIX00000
aws_secret_access_key = nope

[temp]
aws_access_key_id = ASIAIOSFODNN7EXAMPLE
aws_secret_access_key = secret2
aws_session_token = token2
    continued-token

    # a comment inside the value
    more-token
region = ap-south-1
"""


def botocore_profiles(config: Path, credentials: Path) -> dict[str, dict[str, object]]:
    """What a real botocore Session sees: full_config's profiles (config + credentials merged)."""
    session = BotocoreSession()
    session.set_config_variable("config_file", str(config))
    session.set_config_variable("credentials_file", str(credentials))
    return session.full_config["profiles"]


def as_botocore(profiles: dict[str, object]) -> dict[str, dict[str, object]]:
    """Our profiles with nested blocks (kept as raw text) parsed the way botocore parses them."""
    out = {}
    for name, profile in profiles.items():
        out[name] = {key: configloader._parse_nested(value) if value.startswith("\n") else value
                     for key, value in profile.values.items()}
    return out


def write(tmp_path: Path, config: str, credentials: str) -> tuple[Path, Path]:
    cfg, creds = tmp_path / "config", tmp_path / "credentials"
    cfg.write_text(config)
    creds.write_text(credentials)
    return cfg, creds


@pytest.fixture(autouse=True)
def _cache(isolated_env) -> None:
    """Every test gets its own (empty) index folder."""


def test_agrees_with_botocore_on_tricky_files(tmp_path: Path) -> None:
    cfg, creds = write(tmp_path, TRICKY_CONFIG, TRICKY_CREDENTIALS)
    expected = botocore_profiles(cfg, creds)
    for _ in range(2):  # parsed, then from the index (secrets re-read from their recorded lines)
        ours = awsconfig.load_profiles(str(cfg), str(creds))
        assert as_botocore(ours) == expected
    assert ours["temp"].values["aws_session_token"] == "token2\ncontinued-token\n\nmore-token"
    # The cases the comparison is about, spelled out so a botocore change cannot make both sides wrong.
    # [profile default] comes later and replaces [default] wholesale (no key merge), as in botocore.
    assert ours["default"].values["output"] == "text" and "s3" not in ours["default"].values
    assert ours["web"].values["s3"] == "\nmax_concurrent_requests = 10\naddressing_style = path"
    assert ours["dev"].values["region"] == "eu-west-1"  # "Region:" -> lower-cased key, ':' delimiter
    assert ours["quoted name"].values["credential_process"].endswith('value=1')
    assert ours["multi"].values["note"] == "first line\nsecond line\n\nafter a blank line"
    assert "profile dev" in ours and ours["profile dev"].values["aws_secret_access_key"] == "nope"
    assert "plugins" not in ours and "corp" not in ours


def test_kinds_are_typed(tmp_path: Path) -> None:
    cfg, creds = write(tmp_path, TRICKY_CONFIG, TRICKY_CREDENTIALS)
    kinds = {name: p.kind for name, p in awsconfig.load_profiles(str(cfg), str(creds)).items()}
    assert kinds["default"] is ProfileKind.STATIC
    assert kinds["dev"] is ProfileKind.ROLE
    assert kinds["spaced"] is ProfileKind.ROLE  # credential_source
    assert kinds["quoted name"] is ProfileKind.PROCESS
    assert kinds["sso-new"] is ProfileKind.SSO
    assert kinds["sso-legacy"] is ProfileKind.SSO
    assert kinds["web"] is ProfileKind.WEB_IDENTITY
    assert kinds["temp"] is ProfileKind.STATIC
    assert kinds["multi"] is ProfileKind.OTHER


def test_sso_sessions_are_kept_apart(tmp_path: Path) -> None:
    cfg, _creds = write(tmp_path, TRICKY_CONFIG, "")
    sessions = awsconfig.load_sso_sessions(str(cfg))
    assert sessions == {"corp": {"sso_start_url": "https://corp.awsapps.com/start", "sso_region": "eu-west-1"}}
    assert sessions == configloader.load_config(str(cfg))["sso_sessions"]


def test_agrees_with_botocore_on_generated_config(tmp_path: Path) -> None:
    cfg, creds = write(tmp_path, *make_config(400))
    ours = awsconfig.load_profiles(str(cfg), str(creds))
    assert as_botocore(ours) == botocore_profiles(cfg, creds)
    # Second load comes from the index (secrets re-read from their lines) and is still identical.
    assert as_botocore(awsconfig.load_profiles(str(cfg), str(creds))) == botocore_profiles(cfg, creds)
    # Every kind ~/.aws/config can express (SAML and federation entries exist only in roleswitch's TOML).
    assert {p.kind for p in ours.values()} == set(ProfileKind) - {ProfileKind.SAML, ProfileKind.FEDERATION}


def test_default_section_is_inherited_like_configparser(tmp_path: Path) -> None:
    text = "[DEFAULT]\nregion = eu-north-1\naws_secret_access_key = fromdefault\n[profile a]\noutput = json\n"
    cfg, creds = write(tmp_path, text, "[b]\naws_access_key_id = AKIA\n")
    for _ in range(2):  # slow path, then index path
        ours = awsconfig.load_profiles(str(cfg), str(creds))
        assert as_botocore(ours) == botocore_profiles(cfg, creds)
        assert ours["a"].values["aws_secret_access_key"] == "fromdefault"


def test_crlf_and_missing_trailing_newline(tmp_path: Path) -> None:
    cfg, creds = tmp_path / "config", tmp_path / "credentials"
    cfg.write_bytes(b"[profile a]\r\nregion = us-west-2\r\ns3 =\r\n  x = 1\r\n[default]\r\noutput = json")
    creds.write_bytes(b"[a]\raws_access_key_id = AKIA1\raws_secret_access_key = s1")
    for _ in range(2):
        assert as_botocore(awsconfig.load_profiles(str(cfg), str(creds))) == botocore_profiles(cfg, creds)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("[a]\nx = 1\n[a]\ny = 2\n", 3, "appears twice"),
        ("[profile a]\nx = 1\nX = 2\n", 3, "key 'x' appears twice"),
        ("region = us-east-1\n[default]\n", 1, "before any [section]"),
        ("[default]\nthis line has no delimiter\n", 2, "expected 'key = value'"),
        ("[default]\n= value\n", 2, "key is missing"),
    ],
)
def test_bad_files_are_rejected_like_botocore(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    cfg, creds = write(tmp_path, text, "")
    with pytest.raises(ConfigParseError):
        configloader.raw_config_parse(str(cfg))
    with pytest.raises(ConfigError) as info:
        awsconfig.load_profiles(str(cfg), str(creds))
    assert info.value.where == f"{cfg}:{line}"
    assert fragment in info.value.message


def test_bad_nested_block_is_rejected_like_botocore(tmp_path: Path) -> None:
    cfg, creds = write(tmp_path, "[default]\ns3 =\n  no_equals_here\n", "")
    with pytest.raises(ConfigParseError):
        configloader.load_config(str(cfg))
    with pytest.raises(ConfigError, match="no '='"):
        awsconfig.load_profiles(str(cfg), str(creds))


def test_byte_order_mark_is_explained(tmp_path: Path) -> None:
    cfg, creds = write(tmp_path, "\ufeff[default]\nregion = x\n", "")
    with pytest.raises(ConfigError, match="byte-order mark") as info:
        awsconfig.load_profiles(str(cfg), str(creds))
    assert info.value.hint == "save it as UTF-8 without BOM"


def test_missing_files_are_empty(tmp_path: Path) -> None:
    assert awsconfig.load_profiles(str(tmp_path / "nope"), str(tmp_path / "nope2")) == {}


def test_environment_variables_choose_the_files(isolated_env, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    other_cfg, other_creds = tmp_path / "elsewhere-config", tmp_path / "elsewhere-creds"
    other_cfg.write_text("[profile from-env]\nregion = eu-west-3\n")
    other_creds.write_text("[creds-env]\naws_access_key_id = AKIA\naws_secret_access_key = s\n")
    isolated_env.write_config("[profile home]\nregion = us-east-1\n")
    assert set(awsconfig.load_profiles()) == {"home"}
    monkeypatch.setenv("AWS_CONFIG_FILE", str(other_cfg))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(other_creds))
    assert set(awsconfig.load_profiles()) == {"from-env", "creds-env"}


def test_default_profile_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert awsconfig.default_profile_name() == "default"
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "legacy")
    assert awsconfig.default_profile_name() == "legacy"
    monkeypatch.setenv("AWS_PROFILE", "current")
    assert awsconfig.default_profile_name() == "current"


# ------------------------------------------------------------------------------------------------ index


def test_second_load_uses_the_index_and_changes_are_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         isolated_env) -> None:
    cfg, creds = write(tmp_path, *make_config(200))
    first = awsconfig.load_profiles(str(cfg), str(creds))
    calls: list[str] = []
    real = awsconfig._parse_file

    def counting(path: str, **kwargs: object):
        calls.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(awsconfig, "_parse_file", counting)
    second = awsconfig.load_profiles(str(cfg), str(creds))
    assert calls == []  # neither file parsed again
    assert as_botocore(second) == as_botocore(first)
    assert second["user-0"].values["aws_secret_access_key"] == first["user-0"].values["aws_secret_access_key"]

    # A change (even of the same size) is seen: the index is keyed by mtime, size and inode.
    text = cfg.read_text().replace("region = eu-west-2", "region = eu-west-9", 1)
    cfg.write_text(text)
    os.utime(cfg, ns=(1, 1))
    third = awsconfig.load_profiles(str(cfg), str(creds))
    assert calls == [str(cfg), str(creds)]
    assert as_botocore(third) == botocore_profiles(cfg, creds)


def test_index_never_holds_secrets(tmp_path: Path, isolated_env) -> None:
    cfg, creds = write(tmp_path, *make_config(100))
    profiles = awsconfig.load_profiles(str(cfg), str(creds))
    assert any(p.has_static_keys for p in profiles.values())
    index_files = list(isolated_env.cache_dir.glob("index-*"))
    assert len(index_files) == 1
    blob = index_files[0].read_bytes()
    assert FAKE_SECRET[:-4].encode() not in blob
    assert b"IQoJb3JpZ2luX2VjEXAMPLE" not in blob  # session tokens neither
    assert stat.S_IMODE(index_files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(isolated_env.cache_dir.stat().st_mode) == 0o700


def test_corrupt_or_unwritable_index_only_costs_time(tmp_path: Path, isolated_env) -> None:
    cfg, creds = write(tmp_path, TRICKY_CONFIG, TRICKY_CREDENTIALS)
    expected = as_botocore(awsconfig.load_profiles(str(cfg), str(creds)))
    (index,) = isolated_env.cache_dir.glob("index-*")
    index.write_bytes(b"\x00garbage")
    assert as_botocore(awsconfig.load_profiles(str(cfg), str(creds))) == expected
    index.unlink()
    isolated_env.cache_dir.chmod(0o500)
    try:
        assert as_botocore(awsconfig.load_profiles(str(cfg), str(creds))) == expected
    finally:
        isolated_env.cache_dir.chmod(0o700)


def test_loading_never_touches_the_aws_files(tmp_path: Path) -> None:
    cfg, creds = write(tmp_path, TRICKY_CONFIG, TRICKY_CREDENTIALS)
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in (cfg, creds)]
    awsconfig.load_profiles(str(cfg), str(creds))
    awsconfig.load_profiles(str(cfg), str(creds))
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in (cfg, creds)] == before


def test_config_fingerprint_follows_all_three_files(tmp_path: Path) -> None:
    cfg, creds = write(tmp_path, "[default]\n", "")
    settings = tmp_path / "config.toml"
    first = awsconfig.config_fingerprint(str(cfg), str(creds), str(settings))
    assert awsconfig.config_fingerprint(str(cfg), str(creds), str(settings)) == first
    settings.write_text("theme = 'x'\n")
    second = awsconfig.config_fingerprint(str(cfg), str(creds), str(settings))
    assert second != first
    creds.write_text("[a]\n")
    assert awsconfig.config_fingerprint(str(cfg), str(creds), str(settings)) != second


def test_import_is_light() -> None:
    code = ("import sys, roleswitch.core.awsconfig\n"
            "heavy = {'configparser', 'pathlib', 'botocore', 'boto3', 'platformdirs', 'textual', 'rich', 're'}\n"
            "print(sorted(heavy & set(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # pathlib and re may be imported by the interpreter's own startup (site); the rest must not be there.
    loaded = set(eval(out.stdout))  # noqa: S307 - our own printed list
    assert loaded <= {"pathlib", "re"}


# ----------------------------------------------------------------------------------------------- writer

COMMENTED = """\
# My credentials. Do not share.
;   odd comment style

[default]
aws_access_key_id     =    AKIAIOSFODNN7EXAMPLE
aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
# trailing comment in default

[work]   
aws_access_key_id = ASIAOLD
aws_secret_access_key = oldsecret
aws_session_token = oldtoken
   continued-token-part
x_security_token_expires = 2020-01-01T00:00:00Z
# keep me: comment inside [work]
output = json

[other]
region: eu-west-1
"""

NEW = Credentials("ASIANEWKEY", "newsecret", "newtoken", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))


def test_update_keeps_every_other_byte(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(COMMENTED)
    awsconfig.write_credentials_profile(str(path), "work", NEW, region="us-west-2")
    expected = COMMENTED.replace(
        "aws_access_key_id = ASIAOLD\naws_secret_access_key = oldsecret\naws_session_token = oldtoken\n"
        "   continued-token-part\nx_security_token_expires = 2020-01-01T00:00:00Z\n"
        "# keep me: comment inside [work]\noutput = json\n",
        "aws_access_key_id = ASIANEWKEY\naws_secret_access_key = newsecret\naws_session_token = newtoken\n"
        "x_security_token_expires = 2030-01-02T03:04:05Z\n# keep me: comment inside [work]\noutput = json\n"
        "region = us-west-2\n",
    )
    assert path.read_text() == expected
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    work = configloader.raw_config_parse(str(path))["work"]
    assert (work["aws_access_key_id"], work["aws_secret_access_key"], work["aws_session_token"]) == (
        "ASIANEWKEY", "newsecret", "newtoken")


def test_new_profile_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(COMMENTED.rstrip("\n"))  # no trailing newline
    awsconfig.write_credentials_profile(str(path), "fresh", NEW)
    text = path.read_text()
    assert text.startswith(COMMENTED.rstrip("\n") + "\n\n[fresh]\n")
    assert configloader.raw_config_parse(str(path))["fresh"]["aws_session_token"] == "newtoken"
    assert configloader.raw_config_parse(str(path))["other"] == {"region": "eu-west-1"}


def test_missing_file_and_folder_are_created_private(tmp_path: Path) -> None:
    path = tmp_path / "new-dir" / "credentials"
    awsconfig.write_credentials_profile(str(path), "p", NEW)
    assert path.read_text() == ("[p]\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = newsecret\n"
                                "aws_session_token = newtoken\nx_security_token_expires = 2030-01-02T03:04:05Z\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_long_term_keys_are_never_overwritten_without_force(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(COMMENTED)
    with pytest.raises(ConfigError, match="long-term access keys") as info:
        awsconfig.write_credentials_profile(str(path), "default", NEW)
    assert "wJalrXUtnFEMI" not in info.value.one_line()
    assert path.read_text() == COMMENTED
    awsconfig.write_credentials_profile(str(path), "default", NEW, force=True)
    assert configloader.raw_config_parse(str(path))["default"]["aws_access_key_id"] == "ASIANEWKEY"


def test_long_term_credentials_drop_a_stale_token(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(COMMENTED)
    awsconfig.write_credentials_profile(str(path), "work", Credentials("AKIALONG", "longsecret"))
    work = configloader.raw_config_parse(str(path))["work"]
    assert "aws_session_token" not in work and "x_security_token_expires" not in work
    assert work["output"] == "json"


def test_crlf_file_stays_crlf(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    original = b"[a]\r\nregion = x\r\n\r\n[b]\r\naws_access_key_id = ASIA\r\naws_secret_access_key = s\r\n" \
               b"aws_session_token = t\r\n"
    path.write_bytes(original)
    awsconfig.write_credentials_profile(str(path), "b", NEW)
    data = path.read_bytes()
    assert data.startswith(b"[a]\r\nregion = x\r\n\r\n[b]\r\naws_access_key_id = ASIANEWKEY\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_unparseable_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text("[a]\nx = 1\n[a]\n")
    with pytest.raises(ConfigError, match="appears twice"):
        awsconfig.write_credentials_profile(str(path), "b", NEW)
    assert path.read_text() == "[a]\nx = 1\n[a]\n"


@pytest.mark.parametrize("name", ["", "a]b", "x\ny", " lead", "DEFAULT"])
def test_bad_profile_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="cannot be a profile name"):
        awsconfig.write_credentials_profile(str(tmp_path / "c"), name, NEW)


def test_values_with_line_breaks_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="line breaks"):
        awsconfig.write_credentials_profile(str(tmp_path / "c"), "p", Credentials("AKIA\n[evil]", "s", "t"))
    assert not (tmp_path / "c").exists()


def test_written_profile_is_read_back_by_botocore_and_by_us(tmp_path: Path) -> None:
    cfg, creds = write(tmp_path, "[profile p]\nregion = eu-west-1\n", COMMENTED)
    awsconfig.load_profiles(str(cfg), str(creds))  # build the index first
    awsconfig.write_credentials_profile(str(creds), "p", NEW)
    session = BotocoreSession(profile="p")
    session.set_config_variable("config_file", str(cfg))
    session.set_config_variable("credentials_file", str(creds))
    frozen = session.get_credentials().get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("ASIANEWKEY", "newsecret", "newtoken")
    ours = awsconfig.load_profiles(str(cfg), str(creds))["p"]
    assert ours.values["aws_session_token"] == "newtoken" and ours.region == "eu-west-1"


def test_profiles_from_the_index_behave_like_plain_ones(tmp_path: Path) -> None:
    from dataclasses import asdict, replace

    from roleswitch.core.model import AwsProfile

    cfg, creds = write(tmp_path, TRICKY_CONFIG, TRICKY_CREDENTIALS)
    parsed = awsconfig.load_profiles(str(cfg), str(creds))  # slow path: plain AwsProfile objects
    indexed = awsconfig.load_profiles(str(cfg), str(creds))  # fast path: values decoded on first use
    for name, plain in parsed.items():
        fast = indexed[name]
        assert isinstance(fast, AwsProfile)
        assert fast == plain and plain == fast
        assert asdict(fast) == asdict(plain)
        assert replace(fast) == plain
        assert (fast.role_arn, fast.region, fast.has_static_keys) == (plain.role_arn, plain.region,
                                                                       plain.has_static_keys)
        assert repr(fast) == repr(plain)
    assert "wJalrXUtnFEMI" not in repr(indexed["default"])
    assert indexed["temp"] != replace(parsed["temp"], values={})
