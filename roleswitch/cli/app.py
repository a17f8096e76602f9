"""The full command line: argparse, subcommand registration, and the one place errors become exit codes.

Every :class:`~roleswitch.core.errors.RoleswitchError` becomes one line on stderr (``roleswitch: ...``) and
its exit code (2 usage, 3 configuration, 4 AWS); argparse errors are one line too, exit 2. ``--debug``
(anywhere before ``--``) shows tracebacks instead. Commands build their whole output before writing it, so
stdout stays empty when a command fails.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NoReturn

from roleswitch import __version__
from roleswitch.core.errors import RoleswitchError, UsageError

DESCRIPTION = "Switch AWS roles fast and safely: exports, exec, credential_process, a TUI, and more."
EPILOG = """\
examples:
  eval "$(roleswitch export prod-admin)"            # bash/zsh: switch this shell to prod-admin
  roleswitch export prod-admin --format fish | source
  roleswitch exec staging -- aws s3 ls               # run one command with the role
  eval "$(roleswitch shell-init bash)"               # in ~/.bashrc: then `rsw prod-admin`

exit codes: 0 ok, 2 usage, 3 configuration, 4 AWS.
"""

# Subcommand modules in help order; the ones other engineers own are optional (present when written).
_OWN_MODULES = ("session_cmds", "cache_cmds", "misc_cmds", "guard_cmds")
_OPTIONAL_MODULES = ("policy_cmds", "tui_cmds")


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one line (a UsageError) instead of usage + exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, where=self.prog, hint=f"see '{self.prog} --help'")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in epilogs as written."""


def optional_module(name: str) -> ModuleType | None:
    """``roleswitch.cli.<name>`` if that file exists; a real import error inside it is not hidden."""
    full = f"roleswitch.cli.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name == full:
            return None
        raise


def add_command(subparsers: Any, name: str, *, help: str, description: str | None = None,  # noqa: A002
                examples: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """Add a subcommand with a help line, an examples epilog and its handler."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=description or help, epilog="examples:\n" + examples,
        formatter_class=HelpFormatter)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> tuple[ArgumentParser, dict[str, ModuleType]]:
    """The parser with every available subcommand registered, and the modules that registered them."""
    parser = ArgumentParser(prog="roleswitch", description=DESCRIPTION, epilog=EPILOG,
                            formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"roleswitch {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    modules: dict[str, ModuleType] = {}
    for name in _OWN_MODULES:
        modules[name] = importlib.import_module(f"roleswitch.cli.{name}")
    for name in _OPTIONAL_MODULES:
        module = optional_module(name)
        if module is not None:
            modules[name] = module
    # Optional modules first when they share a name? No: ours own the names in the contract; theirs add.
    for module in modules.values():
        module.register(subparsers)
        if hasattr(module, "add_global_options"):  # the TUI's --theme/--config for bare `roleswitch`
            module.add_global_options(parser)
    return parser, modules


def _split_debug(argv: list[str]) -> tuple[list[str], bool]:
    """Remove ``--debug`` from before ``--`` (after it, it belongs to the command ``exec`` runs)."""
    end = argv.index("--") if "--" in argv else len(argv)
    head = [a for a in argv[:end] if a != "--debug"]
    return head + argv[end:], len(head) != end


def run(argv: Sequence[str]) -> int:
    """Parse and run ``argv``; returns the exit status (never raises except with --debug)."""
    args_list, debug = _split_debug(list(argv))
    debug = debug or bool(os.environ.get("ROLESWITCH_DEBUG"))
    try:
        parser, modules = build_parser()
        # `exec P [options] -- CMD...`: everything after `--` is the command, never our options.
        tail = None
        if args_list[:1] == ["exec"] and "--" in args_list:
            split = args_list.index("--")
            args_list, tail = args_list[:split], args_list[split + 1:]
        args = parser.parse_args(args_list)
        if tail is not None and args.command:
            # exec's REMAINDER swallowed the options given after PROFILE (`exec P --duration 900 -- cmd`):
            # parse them again placed before PROFILE, so that they apply instead of being dropped.
            head = args_list[:len(args_list) - len(args.command)]
            args = parser.parse_args([*head[:-1], *args.command, head[-1]])
            if args.command:
                raise UsageError("extra words between PROFILE and --", where="exec",
                                 hint="usage: roleswitch exec PROFILE [options] -- CMD [ARGS...]")
        if tail is not None:
            args.command = tail
        args.debug = debug
        func = getattr(args, "func", None)
        if func is None:
            return _no_command(parser, modules, args)
        return int(func(args))
    except RoleswitchError as exc:
        if debug:
            raise
        return fail(exc.one_line(), exc.exit_code)
    except KeyboardInterrupt:
        if debug:
            raise
        return fail("interrupted", 130)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a message.
        sys.stderr.close()
        return 141
    except OSError as exc:
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}", 3)
    except Exception as exc:  # a bug: one line (no secrets are ever put in our exceptions), --debug for more
        if debug:
            raise
        return fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)


def fail(message: str, code: int) -> int:
    """Print ``roleswitch: message`` on stderr and return ``code``."""
    sys.stderr.write(f"roleswitch: {message}\n".replace("\n", " ").rstrip() + "\n")
    sys.stderr.flush()
    return code


def _no_command(parser: ArgumentParser, modules: dict[str, ModuleType], args: argparse.Namespace) -> int:
    """Bare ``roleswitch``: the TUI when it is installed, else the help."""
    tui = modules.get("tui_cmds")
    run_default = getattr(tui, "run_default", None) or getattr(tui, "run_app", None)
    if run_default is not None:
        return int(run_default(args) or 0)
    sys.stdout.write(parser.format_help())
    return 0
