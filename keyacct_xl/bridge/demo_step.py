"""The Excel bridge's part of ``keyacct-xl demo``: build the add-in and run two ribbon actions headless."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from keyacct_xl.addin.build import build_addin
from keyacct_xl.addin.xlwings_win import decorated_udf_module, registered_functions
from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.macros import ACTIONS, get_action
from keyacct_xl.messages import Pair, tr


def bridge_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """keyacct_xl.xlam in ``out_dir/addin``; the rfm_refresh and ageing ribbon actions on the demo master."""
    addin = build_addin(out_dir / "addin")
    functions = len(registered_functions(decorated_udf_module()))
    lines = [
        tr(
            args.lang,
            "Excel add-in: {addin} ({functions} worksheet functions, {actions} ribbon actions)",
            addin=addin,
            functions=functions,
            actions=len(ACTIONS),
        )
    ]
    bridge = FileBridge(master_path, lang=args.lang, stream=io.StringIO())
    for name in ("rfm_refresh", "ageing"):
        chosen = get_action(name)
        result = chosen.run(bridge, ActionOptions(out_dir=out_dir / "reports"))
        action = Pair(name, chosen.zh)  # the en line names the action by its tag, the zh line by its button
        lines.append(
            tr(
                args.lang,
                "ribbon action {action}: {result}",
                action=action,
                result=result.message(args.lang).splitlines()[0],
            )
        )
    return lines
