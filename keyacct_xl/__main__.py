"""``python -m keyacct_xl`` runs the CLI, as the ``keyacct-xl`` console script does."""

import sys

from keyacct_xl.cli.entry import run

sys.exit(run())
