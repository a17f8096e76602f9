"""roleswitch's command line. ``main`` first tries the stdlib-only cached fast path (cli/fast.py); anything it
does not answer goes to the full argparse command line (cli/app.py), which loads the catalogue and engine.

Nothing heavy is imported here: ``roleswitch export P`` on a cache hit must stay in the tens of ms.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: nothing but the stdlib essentials on the fast path
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0 ok, 2 usage, 3 configuration, 4 AWS; errors are one line on stderr (tracebacks with --debug).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    from roleswitch.cli import fast

    code = fast.run(args)
    if code is not None:
        return code
    from roleswitch.cli.app import run

    return run(args)
