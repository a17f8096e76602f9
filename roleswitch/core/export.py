"""Pure renderers of a session as shell exports, dotenv, JSON or ``credential_process`` output.

Every value is quoted so that *any* string (quotes, ``$()``, backticks, newlines, ``;``, unicode) reads back
unchanged in the target shell and can never run code: ``eval "$(roleswitch export P)"`` is safe even with a
hostile profile name. ``tests/integration/test_shells.py`` proves it against the real bash, zsh, fish and
dash with generated values.

Stdlib only and no model import at module level: the cached fast path renders the cache's JSON record
directly (:func:`render_record`), the rest of the code renders a :class:`~roleswitch.core.model.Session`.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the fast path does not import typing
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping
    from typing import Any

    from roleswitch.core.model import Session

FORMATS = ("bash", "zsh", "fish", "pwsh", "nu", "dotenv", "json", "process")
SHELLS = ("bash", "zsh", "fish", "pwsh", "nu")
MASK = "****"
SECRET_VARIABLES = frozenset({"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-./:=@_,%")
# PowerShell treats the typographic single quotes as quote characters too; each must be doubled.
_PWSH_QUOTES = "'\u2018\u2019\u201a\u201b"


def default_format(environ: Mapping[str, str]) -> str:
    """The export format when none is given: the user's ``$SHELL`` when we support it, else bash (POSIX)."""
    shell = environ.get("SHELL", "").rstrip("/").rsplit("/", 1)[-1].lower()
    if shell.endswith(".exe"):
        shell = shell[:-4]
    if shell in ("pwsh", "powershell"):
        return "pwsh"
    return shell if shell in ("zsh", "fish", "nu") else "bash"


def record_variables(record: Mapping[str, Any]) -> dict[str, str | None]:
    """Environment of a cached session record (:func:`roleswitch.core.cache.session_to_dict`).

    ``None`` means "unset": ``AWS_PROFILE`` always (it would shadow the keys for some SDKs), and the
    session token / expiration when the credentials are long-term keys (a stale token would break them).
    """
    creds = record["credentials"]
    variables: dict[str, str | None] = {
        "AWS_ACCESS_KEY_ID": str(creds["AccessKeyId"]),
        "AWS_SECRET_ACCESS_KEY": str(creds["SecretAccessKey"]),
        "AWS_SESSION_TOKEN": creds.get("SessionToken") or None,
        "AWS_CREDENTIAL_EXPIRATION": creds.get("Expiration") or None,
    }
    region = record.get("region")
    if region:
        variables["AWS_REGION"] = str(region)
        variables["AWS_DEFAULT_REGION"] = str(region)
    variables["ROLESWITCH_PROFILE"] = str(record["profile"])
    variables["AWS_PROFILE"] = None
    return variables


def export_variables(session: Session) -> dict[str, str | None]:
    """The environment a session exports (see :func:`record_variables`); ``None`` means unset."""
    from roleswitch.core.cache import session_to_dict

    return record_variables(session_to_dict(session))


# -- quoting -----------------------------------------------------------------------------------------
def _check(value: str) -> str:
    if "\0" in value:  # no environment can hold a NUL byte
        raise ValueError("a value to export contains a NUL character")
    return value


def quote_sh(value: str) -> str:
    """POSIX single quotes (bash, zsh, dash, ksh): nothing is special inside but the quote itself."""
    return "'" + _check(value).replace("'", "'\\''") + "'"


def quote_fish(value: str) -> str:
    """fish single quotes: only ``\\`` and ``'`` are special inside."""
    return "'" + _check(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_pwsh(value: str) -> str:
    """PowerShell verbatim string: every kind of single quote is doubled, nothing else is special."""
    out = []
    for char in _check(value):
        out.append(char * 2 if char in _PWSH_QUOTES else char)
    return "'" + "".join(out) + "'"


def quote_nu(value: str) -> str:
    """Nushell/NUON double-quoted string with backslash escapes."""
    out = []
    for char in _check(value):
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append("\\u{" + format(ord(char), "x") + "}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def quote_dotenv(value: str) -> str:
    """dotenv value: bare when plain, else single-quoted (no ``${}`` interpolation) with ``\\``/``'`` escaped."""
    if value and all(c in _SAFE for c in _check(value)):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# -- rendering ---------------------------------------------------------------------------------------
def _masked(variables: dict[str, str | None]) -> dict[str, str | None]:
    return {k: (MASK if k in SECRET_VARIABLES and v is not None else v) for k, v in variables.items()}


def render_variables(fmt: str, variables: Mapping[str, str | None]) -> str:
    """Render an environment (``None`` = unset) in a shell or dotenv format; raises ValueError if unknown."""
    unset = [k for k, v in variables.items() if v is None]
    items = [(k, v) for k, v in variables.items() if v is not None]
    lines: list[str] = []
    if fmt in ("bash", "zsh"):
        if unset:
            lines.append("unset " + " ".join(unset))
        lines += [f"export {k}={quote_sh(v)}" for k, v in items]
    elif fmt == "fish":
        # -g: only the global variable; never erase a user's universal variable for good.
        lines += [f"set -e -g {k}" for k in unset]
        lines += [f"set -gx {k} {quote_fish(v)}" for k, v in items]
    elif fmt == "pwsh":
        lines += [f"Remove-Item -Path Env:{k} -ErrorAction SilentlyContinue" for k in unset]
        lines += [f"$Env:{k} = {quote_pwsh(v)}" for k, v in items]
    elif fmt == "nu":
        # A NUON record for `load-env`; `rsw` (shell-init nu) hides the unset variables first.
        body = ", ".join(f"{k}: {quote_nu(v)}" for k, v in items)
        lines.append("{" + body + "}")
    elif fmt == "dotenv":
        lines += [f"{k}={quote_dotenv(v)}" for k, v in items]
    else:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return "\n".join(lines) + "\n"


def render_record(fmt: str, record: Mapping[str, Any], *, masked: bool = False) -> str:
    """Render a cached session record in ``fmt`` (one of :data:`FORMATS`); raises ValueError if unknown."""
    variables = record_variables(record)
    if masked:
        variables = _masked(variables)
    creds = record["credentials"]
    if fmt == "process":
        # The credential_process contract: https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
        process: dict[str, Any] = {"Version": 1, "AccessKeyId": variables["AWS_ACCESS_KEY_ID"],
                                   "SecretAccessKey": variables["AWS_SECRET_ACCESS_KEY"]}
        if variables["AWS_SESSION_TOKEN"] is not None:
            process["SessionToken"] = variables["AWS_SESSION_TOKEN"]
        if creds.get("Expiration"):
            process["Expiration"] = creds["Expiration"]
        import json  # only for these two formats: ~11 ms the shell formats on the fast path don't pay

        return json.dumps(process, indent=2) + "\n"
    if fmt == "json":
        data = {
            "Profile": record.get("profile"),
            "AccessKeyId": variables["AWS_ACCESS_KEY_ID"],
            "SecretAccessKey": variables["AWS_SECRET_ACCESS_KEY"],
            "SessionToken": variables["AWS_SESSION_TOKEN"],
            "Expiration": creds.get("Expiration") or None,
            "Region": record.get("region"),
            "RoleArn": record.get("role_arn"),
            "AssumedArn": record.get("assumed_arn"),
            "AccountId": record.get("account_id"),
            "SessionName": record.get("session_name"),
            "SourceIdentity": record.get("source_identity"),
            "Api": record.get("api"),
        }
        import json

        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return render_variables(fmt, variables)


def render(fmt: str, session: Session, *, masked: bool = False) -> str:
    """Render ``session`` in ``fmt`` (one of :data:`FORMATS`); ``masked`` shows secrets as ``****``.

    Raises ValueError for an unknown format or a value containing NUL.
    """
    from roleswitch.core.cache import session_to_dict

    return render_record(fmt, session_to_dict(session), masked=masked)


_INIT = {
    "bash": """\
# roleswitch: `rsw PROFILE [options]` switches this shell to PROFILE; `rsw` alone opens the picker.
rsw() {
  local _rsw_out
  if [ "$#" -eq 0 ]; then
    _rsw_out="$(command roleswitch pick --format bash)" || return $?
  else
    _rsw_out="$(command roleswitch export --format bash "$@")" || return $?
  fi
  eval "$_rsw_out"
}
""",
    "fish": """\
# roleswitch: `rsw PROFILE [options]` switches this shell to PROFILE; `rsw` alone opens the picker.
function rsw --description 'Switch AWS role with roleswitch'
    if test (count $argv) -eq 0
        command roleswitch pick --format fish | source
    else
        command roleswitch export --format fish $argv | source
    end
    return $pipestatus[1]
end
""",
    "pwsh": """\
# roleswitch: `rsw PROFILE [options]` switches this session to PROFILE; `rsw` alone opens the picker.
function rsw {
    if ($args.Count -eq 0) { $out = & roleswitch pick --format pwsh }
    else { $out = & roleswitch export --format pwsh @args }
    if ($LASTEXITCODE -ne 0) { return }
    Invoke-Expression ($out -join "`n")
}
""",
    "nu": """\
# roleswitch: `rsw PROFILE [options]` switches this shell to PROFILE; `rsw` alone opens the picker.
def --env rsw [...args: string] {
    let out = if ($args | is-empty) { ^roleswitch pick --format nu } else { ^roleswitch export --format nu ...$args }
    hide-env -i AWS_PROFILE AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION
    load-env ($out | from nuon)
}
""",
}
_INIT["zsh"] = _INIT["bash"].replace("--format bash", "--format zsh")


def shell_init(shell: str) -> str:
    """Shell code defining ``rsw``: ``rsw PROFILE...`` evaluates ``roleswitch export --format <shell>``.

    Raises ValueError for a shell other than bash, zsh, fish, pwsh, nu.
    """
    try:
        return _INIT[shell]
    except KeyError:
        raise ValueError(f"unknown shell {shell!r}; use one of {', '.join(SHELLS)}") from None
