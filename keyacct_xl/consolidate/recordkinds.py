"""What each SubmissionHistory row records, judged by what it holds rather than by its 变更 cell.

The 变更 column is shown to people as a label (已更新, 新增, 再次提交) and may be typed over like any cell; an undo that
went by the label alone would remove an updated row instead of giving it its earlier values back.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from keyacct_xl.consolidate.added import ADDED
from keyacct_xl.consolidate.normalize import NORMALIZED
from keyacct_xl.consolidate.sentagain import SENT_AGAIN
from keyacct_xl.parsing import is_blank

UPDATED: Final = "updated"


def recorded_changes(history: pd.DataFrame) -> pd.Series:
    """The change each row of ``history`` records: earlier values make an update (or the normalization its label
    says); without them, the row's own file makes an added row and another file a row sent again. A row labelled an
    update whose earlier values were blanked keeps its label, so the undo refuses it naming the cell."""
    label = history["change"]
    held = ~history["data"].map(is_blank).astype(bool)
    own = history["file_sha256"].astype("string") == history["changed_by"].astype("string")
    labelled_update = label.isin([UPDATED, NORMALIZED])
    kinds = pd.Series(SENT_AGAIN, index=history.index, dtype=object)
    kinds[own.fillna(False).astype(bool)] = ADDED
    kinds[held] = UPDATED
    kinds[held & (label == NORMALIZED)] = NORMALIZED
    kinds[~held & labelled_update] = label[~held & labelled_update]
    return kinds
