"""mypy's errors may only shrink: fail when mypy reports more errors than .ci/mypy-baseline.txt holds.

The baseline lists the errors as ``path: message`` without line numbers, so an edit elsewhere in a file does not
change it. ``python .ci/mypy_baseline.py --update`` rewrites it after errors were fixed, and refuses when the
count has grown. mypy's settings are in pyproject.toml.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

BASELINE = Path(__file__).with_name("mypy-baseline.txt")
ERROR = re.compile(r"^(?P<path>[^:]+):\d+: error: (?P<message>.*)$")


def current_errors() -> list[str]:
    """Today's mypy errors as ``path: message`` lines, sorted."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty"], capture_output=True, text=True, check=False
    )
    if result.returncode not in (0, 1):  # 2: mypy itself failed (bad settings, crash)
        sys.exit(f"mypy failed:\n{result.stdout}{result.stderr}")
    return sorted(f"{m['path']}: {m['message']}" for line in result.stdout.splitlines() if (m := ERROR.match(line)))


def main(argv: list[str]) -> int:
    """Compare mypy's errors with the baseline (or rewrite it with ``--update``); 1 when the count grew."""
    errors = current_errors()
    baseline = BASELINE.read_text(encoding="utf-8").splitlines() if BASELINE.exists() else None
    if baseline is not None and len(errors) > len(baseline):
        new = Counter(errors) - Counter(baseline)
        print(f"mypy: {len(errors)} errors, the baseline allows {len(baseline)}; new:", *sorted(new), sep="\n  ")
        return 1
    if "--update" in argv:
        BASELINE.write_text("".join(f"{e}\n" for e in errors), encoding="utf-8")
        print(f"mypy: baseline written with {len(errors)} errors")
    elif len(errors) < len(baseline or ()):
        print(
            f"mypy: {len(errors)} errors, {len(baseline or ()) - len(errors)} fewer than the baseline; "
            "lock that in with python .ci/mypy_baseline.py --update"
        )
    else:
        print(f"mypy: {len(errors)} errors, as the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
