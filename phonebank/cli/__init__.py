"""The `phonebank` command: parse, call one core function, print.

Every command takes the global `-c/--config FILE` (default ./campaigns.yaml
or $PHONEBANK_CONFIG). Errors print one sentence naming the culprit and the
fix; exit 1 for a failure, 2 for a usage or config problem.
"""

from __future__ import annotations

import sys

from phonebank.cli import campaigns, people, running  # noqa: F401  (registers)
from phonebank.cli.common import app

__all__ = ["app", "run"]


def run() -> None:
    """Console entry point: `-c FILE` may also follow the command name."""
    args, moved, index = sys.argv[1:], [], 0
    rest = []
    while index < len(args):
        arg = args[index]
        if arg in ("-c", "--config") and index + 1 < len(args):
            moved += [arg, args[index + 1]]
            index += 2
            continue
        if arg.startswith("--config="):
            moved.append(arg)
        else:
            rest.append(arg)
        index += 1
    app(args=moved + rest, prog_name="phonebank")
