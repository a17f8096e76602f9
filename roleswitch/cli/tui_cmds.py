"""TUI commands: bare ``roleswitch`` (the app), ``roleswitch pick`` (the shell picker), the TUI face of
``roleswitch demo``, and ``roleswitch tui`` (the app with options).

Textual is imported only when one of these runs, never at import time: the CLI's other commands stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from roleswitch.core.errors import UsageError


def _add_app_options(parser: argparse.ArgumentParser) -> None:
    names = {a for action in parser._actions for a in action.option_strings}
    if "--theme" not in names:
        parser.add_argument("--theme", metavar="NAME", help="colour theme (see the command palette for all)")
    if "--config" not in names:
        parser.add_argument("--config", metavar="PATH", help="roleswitch config.toml to use (ROLESWITCH_CONFIG)")


class _ConfigAction(argparse.Action):
    """``roleswitch --config PATH ...``: use that config.toml for whatever command follows."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        _use_config(str(values))
        setattr(namespace, self.dest, values)


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """``roleswitch [--theme NAME] [--config PATH]`` before any command (bare ``roleswitch`` opens the app)."""
    names = {a for action in parser._actions for a in action.option_strings}
    if "--theme" not in names:
        parser.add_argument("--theme", dest="global_theme", metavar="NAME",
                            help="colour theme of the app (roleswitch-dark, roleswitch-light, ...)")
    if "--config" not in names:
        parser.add_argument("--config", dest="global_config", metavar="PATH", action=_ConfigAction,
                            help="roleswitch config.toml to use (like ROLESWITCH_CONFIG)")


def _theme(args: argparse.Namespace) -> str | None:
    return getattr(args, "theme", None) or getattr(args, "global_theme", None)


def register(subparsers: Any) -> None:
    """Add ``tui`` and ``pick``; give the existing ``demo`` command the app options."""
    from roleswitch.cli.app import add_command
    from roleswitch.core.export import FORMATS

    p = add_command(subparsers, "tui", func=run_app,
                    help="open the full-screen app (what bare `roleswitch` does)",
                    examples="""\
  roleswitch                         # the app on your catalogue
  roleswitch tui --theme roleswitch-light
  roleswitch tui --config ~/work/roleswitch.toml
""")
    _add_app_options(p)
    p = add_command(subparsers, "pick", func=run_pick,
                    help="pick a role in the app and print its export on stdout (for eval)",
                    examples="""\
  eval "$(roleswitch pick)"              # bash/zsh: pick, and this shell has the credentials
  roleswitch pick --format fish | source
  rsw                                    # the shell function (roleswitch shell-init) does the same
""")
    p.add_argument("--format", "-f", choices=FORMATS, default=None,
                   help="export format (default: from $SHELL)")
    _add_app_options(p)
    demo = subparsers.choices.get("demo")
    if demo is not None:
        _add_app_options(demo)


def _use_config(path: str | None) -> None:
    if not path:
        return
    full = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(full):
        raise UsageError(f"config file {path!r} does not exist", hint="give the path of a config.toml",
                         where="--config")
    os.environ["ROLESWITCH_CONFIG"] = full


def build_app(*, theme: str | None = None, pick_mode: bool = False, export_format: str = "bash",
              subtitle: str | None = None) -> Any:
    """Load the catalogue (ConfigError on a bad file) and build the app; the engine loads after paint.

    The cyclic garbage collector is off until the first frame is painted (the engine factory, run after it,
    turns it back on): start-up allocates hundreds of thousands of long-lived objects (Textual, CSS, the
    catalogue) and each full collection pass walks them all, ~100 ms of the first frame on a 2-core machine.
    They are then frozen (gc.freeze), so later collections skip them too.
    """
    import gc

    gc.disable()
    try:
        return _build_app(gc, theme=theme, pick_mode=pick_mode, export_format=export_format, subtitle=subtitle)
    except BaseException:
        gc.enable()
        raise


def _build_app(gc: Any, *, theme: str | None, pick_mode: bool, export_format: str, subtitle: str | None) -> Any:
    from roleswitch.core import cache as cachemod

    # The stamp is taken before reading the files: a file changed meanwhile makes entries stale, never fresh.
    stamp = cachemod.config_stamp()
    from roleswitch.core.catalogue import load_catalogue

    catalogue = load_catalogue()
    settings = catalogue.settings
    margin = int(getattr(getattr(settings, "defaults", None), "refresh_margin_seconds", 300))
    cache = cachemod.CredentialCache(margin_seconds=margin, record_margin=margin, stamp=stamp)

    def engine_factory() -> Any:
        gc.freeze()  # runs after the first paint: start-up's objects are never walked again
        gc.enable()
        from roleswitch.core.engine import Engine

        return Engine(catalogue, cache, settings=settings)

    from roleswitch.tui.app import RoleswitchApp

    return RoleswitchApp(catalogue, engine_factory, cache, theme=theme, pick_mode=pick_mode,
                         export_format=export_format, subtitle=subtitle)


def run_app(args: argparse.Namespace) -> int:
    """Bare ``roleswitch`` / ``roleswitch tui``: the app on the user's catalogue."""
    _use_config(getattr(args, "config", None))
    app = build_app(theme=_theme(args))
    with terminal_for_app():
        app.run()
    return int(app.return_code or 0)


run_default = run_app


def run_demo(args: argparse.Namespace) -> int:
    """Bare ``roleswitch demo``: the app on the embedded local AWS; everything is removed on exit."""
    from roleswitch.demo import apply_env, start_demo

    port = int(getattr(args, "port", 0) or 0)
    with start_demo(port=port, keep=bool(getattr(args, "keep", False))) as demo:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(apply_env(demo, saved))
        try:
            app = build_app(theme=_theme(args),
                            subtitle=f"demo: local AWS at {demo.endpoint} · any 6-digit MFA code works")
            with terminal_for_app():
                app.run()
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return int(app.return_code or 0)


@contextmanager
def terminal_for_app() -> Iterator[int]:
    """Point fds 0/1/2 at the terminal while the app runs; yields an fd of the original stdout.

    Under ``eval "$(roleswitch pick)"`` stdout is the shell's pipe: Textual must neither draw there nor
    size itself from it, and nothing but the export may reach it. So every non-tty standard fd is pointed
    at /dev/tty for the app's lifetime and restored afterwards; the export is written to the saved stdout.
    Raises UsageError when there is no terminal at all.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved_stdout = os.dup(1)
    replaced: dict[int, int] = {}
    try:
        needs = [fd for fd in (0, 1, 2) if not os.isatty(fd)]
        if needs:
            try:
                tty = os.open("/dev/tty", os.O_RDWR)
            except OSError:
                raise UsageError("pick needs a terminal to draw on (no /dev/tty)",
                                 hint="run it from an interactive shell", where="pick") from None
            try:
                for fd in needs:
                    replaced[fd] = os.dup(fd)
                    os.dup2(tty, fd)
            finally:
                os.close(tty)
        yield saved_stdout
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in replaced.items():
            os.dup2(original, fd)
            os.close(original)
        os.close(saved_stdout)


def run_pick(args: argparse.Namespace) -> int:
    """``roleswitch pick``: the app in pick mode; prints the chosen export on stdout (exit 1 if cancelled)."""
    from roleswitch.core.export import default_format

    _use_config(getattr(args, "config", None))
    fmt = getattr(args, "format", None) or default_format(os.environ)
    app = build_app(theme=_theme(args), pick_mode=True, export_format=fmt)
    with terminal_for_app() as out:
        result = app.run()
        if result:
            data = result if result.endswith("\n") else result + "\n"
            os.write(out, data.encode())
    if not result:
        sys.stderr.write("roleswitch: nothing picked\n")
        return 1
    return 0
