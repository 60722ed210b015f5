"""The ``keyacct-xl`` command line: one module per command, each a thin wrapper over the core."""
