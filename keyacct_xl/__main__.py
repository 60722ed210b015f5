"""``python -m keyacct_xl`` runs the CLI."""

import sys

from keyacct_xl.cli.main import main

sys.exit(main())
