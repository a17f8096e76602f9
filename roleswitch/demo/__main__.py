"""``python -m roleswitch.demo [--shell | --print-env [--fish]] [--port N] [--keep]``

--shell (default)  start the demo and open your shell inside it; leaving the shell ends the demo.
--print-env        start the demo, print the variables to set (for another terminal), keep serving until
                   Ctrl-C. The demo lives in this process: it ends when this command ends.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from roleswitch.demo import banner, print_env, run_shell, start_demo


def main(argv: list[str] | None = None) -> int:
    """Run the demo from the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="roleswitch demo", description="A local AWS to try roleswitch.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--shell", action="store_true", help="open a shell inside the demo (default)")
    mode.add_argument("--print-env", action="store_true", help="print shell exports and serve until Ctrl-C")
    parser.add_argument("--fish", action="store_true", help="with --print-env: fish syntax")
    parser.add_argument("--port", type=int, default=0, help="port for the local AWS (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the demo's files when it ends")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port}: allowed 0 (any free port) to 65535")
    try:
        with start_demo(port=args.port, keep=args.keep) as demo:
            if not args.print_env:
                return run_shell(demo)
            sys.stdout.write(print_env(demo, "fish" if args.fish else "sh"))
            sys.stdout.flush()
            sys.stderr.write(banner(demo) + "Serving; press Ctrl-C to stop the demo.\n")
            sys.stderr.flush()
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass
            return 0
    except OSError as error:
        sys.stderr.write(f"roleswitch demo: cannot start the local AWS on 127.0.0.1:{args.port}: {error.strerror or error}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
