"""Injection-proof exports, proven in the real shells: bash, zsh, fish and dash evaluate our output and a child
process (``env -0``) reads back every value byte for byte, and no hostile value ever runs a command.

Hypothesis feeds hostile text (quotes, ``$()``, backticks, newlines, ``;``, backslashes, unicode, control
characters) in batches of several values per shell process, so 60 examples per shell stay fast. dash reads
the bash format (plain POSIX sh).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from roleswitch.core.export import render_variables

pytestmark = pytest.mark.shells

# (shell binary, format, how to evaluate the export file $F the way users do)
SHELLS = {
    "bash": ("bash", "bash", 'eval "$(cat "$RSW_FILE")"; env -0'),
    "zsh": ("zsh", "zsh", 'eval "$(cat "$RSW_FILE")"; env -0'),
    "dash": ("dash", "bash", 'eval "$(cat "$RSW_FILE")"; env -0'),
    "fish": ("fish", "fish", "cat $RSW_FILE | source; env -0"),
}

HOSTILE_EXAMPLES = [
    "'; touch \"$RSW_CANARY\"; echo '",
    "$(touch \"$RSW_CANARY\")",
    "`touch \"$RSW_CANARY\"`",
    "\"; touch $RSW_CANARY; \"",
    "\\'; touch $RSW_CANARY #",
    "(touch $RSW_CANARY)",
    "\ntouch $RSW_CANARY\n",
    "'\\''",
    "\\",
    "\\\\'\\",
    "${HOME}$HOME%s%n\\n",
    "line1\nline2\n\n",
    "",
    " leading and trailing ",
    "-e",
    "--",
    "ünïcødé ✓ 🚀 \u200b\u2028",
    "\x01\x02\x1b[31m\x7f",
    "\r\n\t\x0b\x0c",
    "!!",
    "*",
    "~",
    "{a,b}",
    "#not a comment",
]

# Every character but the surrogates and NUL (no environment can hold NUL).
VALUE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=30)


def _shell_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RSW_", "V_"))}
    env.update(LC_ALL="C.UTF-8", HOME=str(tmp), AWS_PROFILE="must-be-unset", RSW_CANARY=str(tmp / "pwned"),
               XDG_CONFIG_HOME=str(tmp / "xdg"), XDG_DATA_HOME=str(tmp / "xdg"), fish_greeting="")
    return env


def eval_in_shell(shell: str, variables: dict[str, str | None], tmp: Path) -> dict[str, str]:
    """Evaluate the export of ``variables`` in ``shell``; return the environment a child process sees."""
    binary, fmt, script = SHELLS[shell]
    export_file = tmp / "export.txt"
    export_file.write_bytes(render_variables(fmt, variables).encode("utf-8"))
    env = _shell_env(tmp)
    env["RSW_FILE"] = str(export_file)
    args = [binary, "--no-config", "-c", script] if shell == "fish" else [binary, "-c", script]
    if shell == "zsh":
        args.insert(1, "-f")  # no user rc files
    proc = subprocess.run(args, env=env, capture_output=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert not (tmp / "pwned").exists(), f"{shell} ran a command from an exported value"
    result: dict[str, str] = {}
    for item in proc.stdout.split(b"\0"):
        if b"=" in item:
            name, _, value = item.partition(b"=")
            result[name.decode()] = value.decode("utf-8", "surrogateescape")
    return result


def check_round_trip(shell: str, values: list[str], tmp: Path) -> None:
    variables: dict[str, str | None] = {f"V_{i}": v for i, v in enumerate(values)}
    variables["AWS_PROFILE"] = None
    seen = eval_in_shell(shell, variables, tmp)
    assert "AWS_PROFILE" not in seen
    for i, value in enumerate(values):
        assert seen.get(f"V_{i}") == value, f"{shell}: V_{i} {value!r} read back as {seen.get(f'V_{i}')!r}"


@pytest.fixture(params=sorted(SHELLS))
def shell(request: pytest.FixtureRequest) -> str:
    if shutil.which(SHELLS[request.param][0]) is None:
        pytest.skip(f"{request.param} is not installed")
    return str(request.param)


def test_hostile_examples_round_trip(shell: str, tmp_path: Path) -> None:
    check_round_trip(shell, HOSTILE_EXAMPLES, tmp_path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(VALUE, min_size=1, max_size=10))
@example(values=["'" * 5, "\\" * 5, "$" * 3 + "(" + ")" * 2])
def test_generated_values_round_trip(shell: str, tmp_path: Path, values: list[str]) -> None:
    check_round_trip(shell, values, tmp_path)


def test_real_credentials_export_reaches_the_aws_cli_environment(shell: str, tmp_path: Path) -> None:
    """A full export (as `roleswitch export` prints it) sets every AWS variable and unsets AWS_PROFILE."""
    from datetime import UTC, datetime

    from roleswitch.core.export import export_variables
    from roleswitch.core.model import Credentials, Session

    session = Session(profile="odd 'name' $(x)", region="eu-west-1", credentials=Credentials(
        "ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY=", "IQoJb3J//pZ2luX2VjE+==", datetime(2026, 1, 1, tzinfo=UTC)))
    variables = export_variables(session)
    seen = eval_in_shell(shell, variables, tmp_path)
    for name, value in variables.items():
        if value is None:
            assert name not in seen
        else:
            assert seen[name] == value
