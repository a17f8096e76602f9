"""``eval "$(roleswitch pick)"`` for real: the command runs on a pseudo-terminal (its controlling tty) with
stdout a pipe, exactly as inside ``$(...)``. The app must draw on the terminal and only the export may reach
stdout; the export is then evaluated by a real bash and its keys used by the real AWS CLI (via moto)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

pytestmark = pytest.mark.skipif(not hasattr(pty, "fork"), reason="needs a POSIX pseudo-terminal")


def _read_until(fd: int, needle: bytes, seen: bytearray, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return needle in seen
            if not chunk:
                return needle in seen
            seen.extend(chunk)
            if needle in seen:
                return True
    return needle in seen


def test_pick_prints_only_the_export_on_stdout(aws_env) -> None:
    aws_env.write_config(
        "[default]\nregion = us-east-1\n\n"
        "[profile staging-dev]\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = default\n"
        "region = us-east-1\n")
    read_out, write_out = os.pipe()
    pid, master = pty.fork()
    if pid == 0:  # the child: its tty is the pty; stdout is the pipe, like $(...)
        os.close(read_out)
        os.dup2(write_out, 1)
        os.close(write_out)
        os.execv(sys.executable, [sys.executable, "-m", "roleswitch", "pick", "--format", "bash"])
    os.close(write_out)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    screen = bytearray()
    try:
        assert _read_until(master, b"staging-dev", screen, 60), screen[-2000:].decode(errors="replace")
        os.write(master, b"staging-dev")
        time.sleep(0.3)
        os.write(master, b"\r")
        output = bytearray()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            ready, _, _ = select.select([read_out, master], [], [], 0.1)
            if master in ready:
                try:
                    screen.extend(os.read(master, 65536))
                except OSError:
                    pass
            if read_out in ready:
                chunk = os.read(read_out, 65536)
                if not chunk:
                    break
                output.extend(chunk)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(read_out)
        os.close(master)
    assert os.waitstatus_to_exitcode(status) == 0, screen[-3000:].decode(errors="replace")
    text = output.decode()
    # The app drew on the terminal (alternate screen, cursor moves), never on stdout.
    assert b"\x1b[?1049h" in screen
    assert "\x1b" not in text
    lines = [line for line in text.splitlines() if line]
    assert lines and all(line.startswith(("export ", "unset ")) for line in lines), text
    assert "ROLESWITCH_PROFILE='staging-dev'" in text
    # A real shell evaluates it and the real AWS CLI sees the assumed role.
    check = subprocess.run(
        ["bash", "-c", 'eval "$1"; aws sts get-caller-identity --query Arn --output text', "bash", text],
        env={**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]},
        capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 0, check.stderr
    assert "assumed-role/Dev/" in check.stdout


def test_pick_without_a_terminal_is_one_clear_line(aws_env) -> None:
    # A new session has no controlling terminal: /dev/tty cannot be opened.
    result = subprocess.run([sys.executable, "-m", "roleswitch", "pick"], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120, start_new_session=True, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "needs a terminal" in result.stderr
    assert "Traceback" not in result.stderr


def test_global_config_option_must_exist(aws_env, tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "roleswitch", "--config", str(tmp_path / "nope.toml"), "list"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert "--config" in result.stderr and "does not exist" in result.stderr
