"""Export renderers: variables, every format's shape, masking, quoting rules (real shells: test_shells.py)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from dotenv import dotenv_values
from hypothesis import given, settings
from hypothesis import strategies as st

from roleswitch.core.export import (
    FORMATS,
    MASK,
    default_format,
    export_variables,
    quote_nu,
    quote_pwsh,
    render,
    render_variables,
    shell_init,
)
from roleswitch.core.model import Credentials, Session, StsApi

EXP = datetime(2026, 11, 3, 13, 0, 0, tzinfo=UTC)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ=="


def session(*, region: str | None = "eu-west-1", token: str | None = TOKEN, profile: str = "prod-admin") -> Session:
    return Session(profile=profile,
                   credentials=Credentials("ASIAEXAMPLE", SECRET, token, EXP if token else None),
                   api=StsApi.ASSUME_ROLE if token else StsApi.STATIC,
                   role_arn="arn:aws:iam::111111111111:role/Admin",
                   assumed_arn="arn:aws:sts::111111111111:assumed-role/Admin/alice",
                   account_id="111111111111", region=region, session_name="alice")


def test_variables_of_a_role_session() -> None:
    assert export_variables(session()) == {
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_CREDENTIAL_EXPIRATION": "2026-11-03T13:00:00Z",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "ROLESWITCH_PROFILE": "prod-admin",
        "AWS_PROFILE": None,
    }


def test_variables_without_region_or_token_unset_the_stale_ones() -> None:
    variables = export_variables(session(region=None, token=None))
    assert "AWS_REGION" not in variables and "AWS_DEFAULT_REGION" not in variables
    assert variables["AWS_SESSION_TOKEN"] is None and variables["AWS_CREDENTIAL_EXPIRATION"] is None


def test_bash_output_exact() -> None:
    assert render("bash", session()) == (
        "unset AWS_PROFILE\n"
        "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n"
        f"export AWS_SECRET_ACCESS_KEY='{SECRET}'\n"
        f"export AWS_SESSION_TOKEN='{TOKEN}'\n"
        "export AWS_CREDENTIAL_EXPIRATION='2026-11-03T13:00:00Z'\n"
        "export AWS_REGION='eu-west-1'\n"
        "export AWS_DEFAULT_REGION='eu-west-1'\n"
        "export ROLESWITCH_PROFILE='prod-admin'\n"
    )


def test_fish_pwsh_nu_dotenv_shapes() -> None:
    fish = render("fish", session(token=None))
    assert fish.splitlines()[:3] == ["set -e -g AWS_SESSION_TOKEN", "set -e -g AWS_CREDENTIAL_EXPIRATION",
                                     "set -e -g AWS_PROFILE"]
    assert "set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE'" in fish
    pwsh = render("pwsh", session())
    assert "Remove-Item -Path Env:AWS_PROFILE -ErrorAction SilentlyContinue" in pwsh
    assert f"$Env:AWS_SECRET_ACCESS_KEY = '{SECRET}'" in pwsh
    nu = render("nu", session())
    assert nu.startswith("{AWS_ACCESS_KEY_ID: \"ASIAEXAMPLE\", ") and "AWS_PROFILE" not in nu
    dotenv = render("dotenv", session())
    assert f"AWS_SECRET_ACCESS_KEY={SECRET}\n" in dotenv and "AWS_PROFILE" not in dotenv


def test_process_format_is_the_credential_process_contract() -> None:
    data = json.loads(render("process", session()))
    assert data == {"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": SECRET,
                    "SessionToken": TOKEN, "Expiration": "2026-11-03T13:00:00Z"}
    static = json.loads(render("process", session(token=None)))
    assert static == {"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": SECRET}


def test_json_format() -> None:
    data = json.loads(render("json", session()))
    assert data["Profile"] == "prod-admin" and data["Expiration"] == "2026-11-03T13:00:00Z"
    assert data["AssumedArn"].endswith("/alice") and data["Region"] == "eu-west-1"


@pytest.mark.parametrize("fmt", FORMATS)
def test_masked_never_shows_secrets(fmt: str) -> None:
    text = render(fmt, session(), masked=True)
    assert SECRET not in text and TOKEN not in text and MASK in text
    assert "ASIAEXAMPLE" in text  # the key id is not a secret: the preview shows which key


def test_unknown_format_and_nul() -> None:
    with pytest.raises(ValueError, match="unknown export format 'tcsh'"):
        render("tcsh", session())
    with pytest.raises(ValueError, match="NUL"):
        render("bash", session(profile="a\0b"))


def test_default_format_follows_shell() -> None:
    assert default_format({"SHELL": "/usr/bin/fish"}) == "fish"
    assert default_format({"SHELL": "/bin/zsh"}) == "zsh"
    assert default_format({"SHELL": "/opt/microsoft/powershell/7/pwsh"}) == "pwsh"
    assert default_format({"SHELL": "/bin/dash"}) == "bash"
    assert default_format({}) == "bash"


def test_pwsh_doubles_every_single_quote_kind() -> None:
    assert quote_pwsh("it's \u2018a\u2019 \u201ab\u201b $x `y") == "'it''s \u2018\u2018a\u2019\u2019 \u201a\u201ab\u201b\u201b $x `y'"


def test_nu_escapes() -> None:
    assert quote_nu('a"b\\c\nd\x1b') == '"a\\"b\\\\c\\nd\\u{1b}"'


HOSTILE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0\r"), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(HOSTILE, min_size=1, max_size=8))
def test_dotenv_round_trips_through_python_dotenv(values: list[str]) -> None:
    """python-dotenv (what docker compose-like tools and most apps use) reads every value back unchanged."""
    variables = {f"V{i}": v for i, v in enumerate(values)}
    text = render_variables("dotenv", variables)
    assert dict(dotenv_values(stream=io.StringIO(text), interpolate=True)) == variables


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "pwsh", "nu"])
def test_shell_init_defines_rsw(shell: str) -> None:
    text = shell_init(shell)
    assert "rsw" in text and f"--format {shell}" in text and "roleswitch export" in text
    with pytest.raises(ValueError, match="unknown shell"):
        shell_init("tcsh")
