"""The CLI's output read by a program that stops early (`keyacct-xl forms list | head -1`) ends without an error."""

from __future__ import annotations

import subprocess
import sys


def test_a_reader_that_stops_early_gets_no_broken_pipe_message():
    # The read end is closed before the CLI has written anything, so its every write meets a closed pipe.
    code = "import sys; from keyacct_xl.cli.main import main; sys.exit(main(['forms', 'list']))"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Broken pipe" not in err and "BrokenPipeError" not in err, err
    assert err == ""
