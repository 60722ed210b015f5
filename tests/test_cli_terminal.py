"""What the CLI prints quotes what files hold; a value's terminal control sequences are shown, never obeyed."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master
from keyacct_xl.progress import progress_bar

# Clear the screen, set the window title, turn the text red, erase the line (a one-character CSI), reverse the text.
HOSTILE = "恶意\x1b[2J\x1b]0;pwned\x07\x1b[31m\x9b2K公司\u202e"


def test_a_customer_lists_control_sequences_are_printed_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["华强贸易有限公司"]})
    master = save_master(m, tmp_path / "master.xlsx", backup=False)
    listed = tmp_path / "list.csv"
    listed.write_text(f"客户编号,客户名称\nC002,{HOSTILE}\n", encoding="utf-8")
    assert main(["--lang", "en", "customers", "import", str(listed), "--into", str(master), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "line 2: imported C002 恶意\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31m\\x9b2K公司\\u202e\n" in out
    assert not {"\x1b", "\x07", "\x9b", "\u202e"} & set(out)


def test_an_error_naming_a_file_prints_its_control_sequences_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no\x1b[2J\rfile.xlsx"  # a carriage return writes over the line from its start
    assert main(["--lang", "en", "master", "check", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"keyacct-xl: {tmp_path}/no\\x1b[2J\\x0dfile.xlsx: file not found\n"


class _Terminal(io.StringIO):
    """What a terminal answers when asked (stderr in a console); the text written is kept."""

    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A redirected log got every redraw of the statements' bar, thousands run together on one line."""
    for stream, drawn in ((_Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        assert list(progress_bar(range(3), desc="对账单", unit="户")) == [0, 1, 2]
        assert ("3/3" in stream.getvalue()) is drawn and (stream.getvalue() == "") is not drawn
