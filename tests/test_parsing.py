"""Money and date parsing: the formats people type, as round trips and properties."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keyacct_xl.master.ids import normalize_id
from keyacct_xl.parsing import (
    ParseError,
    excel_serial,
    infer_day_first,
    is_blank,
    parse_date,
    parse_money,
    parse_percent,
)

FULL_WIDTH = str.maketrans("0123456789,.()-", "０１２３４５６７８９，．（）－")
cents = st.integers(min_value=-(10**11), max_value=10**11)


def grouped(value: float) -> str:
    return f"{abs(value):,.2f}"


STYLES = [
    lambda v: f"{v:.2f}",
    lambda v: ("-" if v < 0 else "") + grouped(v),
    lambda v: ("-" if v < 0 else "") + "¥" + grouped(v),
    lambda v: ("-" if v < 0 else "") + grouped(v) + "元",
    lambda v: f"({grouped(v)})" if v < 0 else grouped(v),
    lambda v: (f"({grouped(v)})" if v < 0 else grouped(v)).translate(FULL_WIDTH),
    lambda v: ("△" if v < 0 else "") + "￥" + grouped(v),
    lambda v: f" RMB {v:.2f} ",
]


@given(cents, st.integers(min_value=0, max_value=len(STYLES) - 1))
def test_money_round_trip(c, style):
    value = c / 100
    assert parse_money(STYLES[style](value)) == pytest.approx(value, abs=1e-9)


@given(st.integers(min_value=0, max_value=10**6))
def test_wan_multiplies(n):
    assert parse_money(f"{n / 100}万") == pytest.approx(n * 100, rel=1e-12)
    assert parse_money(f"{n / 100}万元") == pytest.approx(n * 100, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3千", 3000.0),
        ("3千元", 3000.0),
        ("1.5千", 1500.0),
        ("¥2千", 2000.0),
        ("1,200千", 1_200_000.0),
        ("2千万", 2e7),
        ("1.2k", 1200.0),  # an en rep's order amount: was left blank as no amount
        ("3K", 3000.0),
        ("¥1,200k", 1_200_000.0),
    ],
)
def test_qian_multiplies(text: str, value: float) -> None:
    """3千 is three thousand as people write it on a quotation (a price typed 3千 was refused as no amount), and 3k
    as an en rep writes it."""
    assert parse_money(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "USD 100",
        "$100",
        "100美元",
        "€5",
        "HK$3",
        "abc",
        "1.2.3",
        "--5",
        "",
        "  ",
        # a decimal comma or stray separators would read 100-1000 times too large
        "1850,00",
        "1.850,00",
        "1,85",
        "12,3456",
        ",850",
        "千",
        "3千千",
        "3万千",
    ],
)
def test_money_rejects(text):
    with pytest.raises(ParseError):
        parse_money(text)


def test_money_rejects_bool_and_nan():
    for value in (True, float("nan"), float("inf")):
        with pytest.raises(ParseError):
            parse_money(value)


@pytest.mark.parametrize(
    "text",
    [
        "(5)",
        "（5）",
        "(¥5)",
        "△5",
        "▲5",
        "-5-",
        "5-",
        "-5",
        "−5",
        # a doubled mark stresses the sign; it never cancels into +5
        "(-5)",
        "（－5）",
        "△-5",
        "▲-5",
        "-(5)",
        "(5-)",
        "△5-",
    ],
)
def test_negative_forms_accountants_use(text):
    assert parse_money(text) == -5.0
    assert parse_money(text.replace("5", "1,850.00")) == -1850.0


@pytest.mark.parametrize("text", ["--5", "5--", "((5))", "△△5", "(+5)", "+5-", "△+5"])
def test_repeated_or_contradictory_signs_are_refused(text):
    with pytest.raises(ParseError, match="not an amount"):
        parse_money(text)


@pytest.mark.parametrize(
    "value",
    [
        float("inf"),
        float("-inf"),
        float("nan"),
        "inf",
        "-inf",
        "nan",
        "1e400",
        "Infinity",
        pytest.param(10**400, id="10**400"),
        1e308,
        "１e400",
    ],
)
def test_non_finite_and_too_large_numbers_are_refused(value):
    with pytest.raises(ParseError) as caught:
        parse_money(value)
    assert caught.value.zh != caught.value.en  # the reason exists in both languages
    assert len(str(caught.value)) < 200  # a message names a huge value, it does not repeat it


dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31))
DATE_STYLES = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d:%Y%m%d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日".translate(FULL_WIDTH),
    lambda d: f"{d.day} {d:%b} {d.year}",
    lambda d: f"{d:%b} {d.day}, {d.year}",
    lambda d: dt.datetime(d.year, d.month, d.day, 13, 45),
    lambda d: (d - dt.date(1899, 12, 30)).days,
    lambda d: f"{d.isoformat()} 08:30:00",
]


@given(dates, st.integers(min_value=0, max_value=len(DATE_STYLES) - 1))
def test_date_round_trip(d, style):
    assert parse_date(DATE_STYLES[style](d)) == pd.Timestamp(d)


@given(dates)
def test_day_month_order(d):
    text = f"{d.day:02d}/{d.month:02d}/{d.year}"
    if d.day > 12 or d.day == d.month:
        assert parse_date(text) == pd.Timestamp(d)
    else:
        with pytest.raises(ParseError, match="ambiguous"):
            parse_date(text)
    assert parse_date(text, day_first=True) == pd.Timestamp(d)
    assert parse_date(f"{d.month:02d}/{d.day:02d}/{d.year}", day_first=False) == pd.Timestamp(d)


def test_serial_1900_system():
    assert parse_date(46000) == pd.Timestamp("2025-12-09")
    assert parse_date("46000.75") == pd.Timestamp("2025-12-09")
    for bad in (0, -5, 3_000_000, "2026-02-30", "2026/13/01", "next week", True):
        with pytest.raises(ParseError):
            parse_date(bad)


def test_serials_before_the_phantom_leap_day():
    # Excel counts 29 February 1900 (serial 60), a day that never was: serial 1 is 1 January 1900.
    assert parse_date(1) == pd.Timestamp("1900-01-01")
    assert parse_date(59) == pd.Timestamp("1900-02-28")
    assert parse_date(61) == pd.Timestamp("1900-03-01")
    with pytest.raises(ParseError, match="never existed"):
        parse_date(60)


@pytest.mark.parametrize(
    "value",
    [
        "2300-01-01",
        "2300/1/1",
        "23000101",
        23000101,
        2958465,
        "2958465",
        dt.datetime(2300, 1, 1),
        pd.Timestamp("2262-04-12"),
        "2262-04-12",
        "1899-12-31",
        dt.date(1899, 12, 31),
        dt.date(1, 1, 1),
        "0001-01-01",
        132321,
    ],
)
def test_dates_outside_the_accepted_range_are_refused(value):
    with pytest.raises(ParseError, match=r"outside the accepted dates 1900-01-01\.\.2262-04-11") as caught:
        parse_date(value)
    assert "1900-01-01..2262-04-11" in caught.value.zh


def test_range_boundaries_are_accepted():
    assert parse_date("1900-01-01") == pd.Timestamp("1900-01-01")
    assert parse_date("2262-04-11") == parse_date(132320) == pd.Timestamp("2262-04-11")
    assert parse_date(dt.datetime(2262, 4, 11, 23, 59)) == pd.Timestamp("2262-04-11")


def test_compact_date_typed_as_a_number_and_impossible_day_month():
    # Excel keeps 20261103 typed into a cell as a number; it is far past the last serial, so it reads as yyyymmdd.
    assert parse_date(20261103) == pd.Timestamp("2026-11-03") == parse_date(20261103.0)
    with pytest.raises(ParseError, match="not a valid date"):
        parse_date(20261303)
    # Neither 13/14 nor 14/13 is a date: the error says invalid, not "ambiguous".
    with pytest.raises(ParseError, match="not a valid date"):
        parse_date("13/14/2026")


def test_infer_day_first_settles_a_column_or_refuses_it():
    assert infer_day_first(["05/11/2026", "23/11/2026"]) is True
    assert infer_day_first(["11/05/2026", "11/23/2026", 46000]) is False
    assert infer_day_first(["05/11/2026", "2026-11-05"]) is None
    with pytest.raises(ParseError, match="mixes"):
        infer_day_first(["23/11/2026", "11/23/2026"])


def test_is_blank():
    assert all(is_blank(v) for v in (None, float("nan"), pd.NaT, pd.NA, "  ", "\t"))
    assert not any(is_blank(v) for v in (0, "0", "x"))


@pytest.mark.parametrize("text", ["\u200b", "\ufeff", "\u2060", "\u200d", "\u200e", "\u00ad", " \u200b\u3000\u200b "])
def test_text_of_invisible_characters_only_is_blank(text: str) -> None:
    # What the id cleaning removes (master/ids.py) leaves nothing: checked before it, such a cell passed as a
    # required value and was stored empty.
    assert is_blank(text) and normalize_id(text) == ""


@pytest.mark.parametrize("text", ["\u200bC0001", "C\u200b", "\u00a0x", "无", "-"])
def test_text_with_a_visible_character_is_not_blank(text: str) -> None:
    assert not is_blank(text)


@pytest.mark.parametrize(
    ("typed", "read"),
    [("3 Dec, 2026", "2026-12-03"), ("3-Dec-2026", "2026-12-03"), ("September 3, 2026", "2026-09-03")],
)
def test_a_worded_date_with_a_long_run_of_spaces_is_refused_at_once(typed: str, read: str) -> None:
    """1 Jan, 30,000 spaces and an x took about 8 s to refuse (a column of such cells, hours); the forms it reads
    are read as before."""
    assert parse_date(typed) == pd.Timestamp(read)
    started = time.perf_counter()
    with pytest.raises(ParseError):
        parse_date("1 jan" + " " * 30_000 + "x")
    assert time.perf_counter() - started < 2  # the quadratic reading took 8 s here; a linear one milliseconds


@pytest.mark.parametrize("typed", ["3 Decision 2026", "Marketing 3, 2026", "Junk 3, 2026"])
def test_a_word_that_only_starts_like_a_month_is_no_month(typed: str) -> None:
    """Any word whose first three letters were a month's was read as that month (Decision 3 as 3 December)."""
    with pytest.raises(ParseError):
        parse_date(typed)


# What each place that reads a percentage typed as text took before they shared ``parse_percent``, and the fraction it
# read: a master's percent column (``master/convert.to_numbers``), a form's percent field (``consolidate/fieldcheck``),
# ``abc --shares`` (numbers as Python's ``float`` reads them), a worksheet function's number (``bridge/cells.number``,
# a number inside as any argument's: 80%% is 0.008, as Excel's VALUE reads it).
_EVERYWHERE = ("master", "form", "shares", "udf")
PERCENTAGES = [
    ("80%", 0.8, _EVERYWHERE),
    ("80 %", 0.8, _EVERYWHERE),
    (" 80% ", 0.8, _EVERYWHERE),
    ("80％", 0.8, _EVERYWHERE),
    ("８０％", 0.8, _EVERYWHERE),
    ("８０ ％", 0.8, _EVERYWHERE),
    ("12.5%", 0.125, _EVERYWHERE),
    ("  12.5  %  ", 0.125, _EVERYWHERE),
    ("-5%", -0.05, _EVERYWHERE),
    ("+5%", 0.05, _EVERYWHERE),
    ("٨٠%", 0.8, _EVERYWHERE),
    ("80﹪", 0.8, ("form", "shares", "udf")),
    ("1,234%", 12.34, ("master", "form", "udf")),
    ("¥5%", 0.05, ("master", "form", "udf")),
    ("(5)%", -0.05, ("master", "form", "udf")),
    ("5-%", -0.05, ("master", "form", "udf")),
    ("△5%", -0.05, ("master", "form", "udf")),
    ("1.5万%", 150.0, ("master", "form", "udf")),
    ("5千%", 50.0, ("master", "form", "udf")),
    ("1e1%", 0.1, ("shares",)),
    ("1_0%", 0.1, ("shares",)),
    ("80%%", 0.008, ("udf",)),
]


def _read_as(place: str, typed: str) -> float | None:
    """``typed`` read where ``place`` reads a percentage."""
    from keyacct_xl.bridge.cells import number
    from keyacct_xl.cli.abc_cmd import parse_pair
    from keyacct_xl.consolidate.fieldcheck import read_cell
    from keyacct_xl.forms.spec import FieldSpec, Text
    from keyacct_xl.master.convert import to_numbers

    if place == "master":
        return float(to_numbers([typed], lambda _i: "A2", percent=True)[0])
    if place == "form":
        value = read_cell(FieldSpec("share", Text("比例", "Share"), "percent"), typed, lang="zh").value
        return float(value)  # type: ignore[arg-type]
    if place == "shares":
        pair = parse_pair(f"{typed},15", "--shares")
        return None if pair is None else pair[0]
    return number(typed, "x")


@pytest.mark.parametrize(("typed", "fraction", "places"), PERCENTAGES)
def test_a_percentage_typed_as_text_reads_as_before_everywhere(typed: str, fraction: float, places: tuple) -> None:
    for place in places:
        assert _read_as(place, typed) == pytest.approx(fraction), place


@pytest.mark.parametrize("place", _EVERYWHERE)
@pytest.mark.parametrize("typed", ["%", " ％ ", "abc%", "%80", "-%", "80", "0.8"])
def test_a_sign_alone_or_no_number_before_it_is_no_percentage(place: str, typed: str) -> None:
    """A lone sign, or text that is no number before it, is refused as each place refuses any text that is no number;
    a number without a sign is the number itself (0.8 in a percent column is 80%)."""
    from keyacct_xl.bridge.cells import CellError
    from keyacct_xl.consolidate.fieldcheck import FieldProblem
    from keyacct_xl.errors import InputError

    if typed in ("80", "0.8"):
        assert _read_as(place, typed) == pytest.approx(float(typed))
        return
    refusal = {"master": InputError, "form": FieldProblem, "shares": InputError, "udf": CellError}[place]
    with pytest.raises(refusal):
        _read_as(place, typed)


def test_parse_percent_reads_the_number_before_the_sign_its_callers_way() -> None:
    assert parse_percent("８０ ％") == 0.8 and parse_percent("¥5%") == 0.05
    assert parse_percent("80") is None and parse_percent("80% off") is None
    assert parse_percent("1e1%", float) == pytest.approx(0.1)
    assert parse_percent(" %", lambda rest: None) is None  # nothing before the sign: read as any other text
    with pytest.raises(ParseError, match="empty amount"):
        parse_percent("%")


@pytest.mark.parametrize(
    ("moment", "serial", "com"),
    [
        (dt.datetime(1900, 1, 1), 1.0, 1.0),
        (dt.datetime(1900, 1, 30), 30.0, 30.0),
        (dt.datetime(1900, 2, 28, 12), 59.5, 59.5),
        (dt.datetime(1900, 3, 1), 61.0, 61.0),
        (dt.date(1902, 9, 26), 1000.0, 1000.0),
        (pd.Timestamp("2026-05-01 06:00"), 46143.25, 46143.25),
        (dt.datetime(2026, 5, 1, 6, tzinfo=dt.timezone.utc), 46143.25, 46143.25),  # the zone ignored
        # Excel's day 0 (1900-01-00) as a reader gives it (fastexcel, an .ods read as Excel shows it) and as COM
        # does (OLE's day 0): 0.5 typed into a date cell is 0.5 from both, -0.5 from an .ods too.
        (dt.datetime(1899, 12, 31, 12), 0.5, 1.5),
        (dt.datetime(1899, 12, 30, 12), -0.5, 0.5),
        (dt.datetime(1899, 12, 30), -1.0, 0.0),
        (dt.datetime(1899, 12, 30, 8), -2 / 3, 1 / 3),
    ],
)
def test_excel_serial_as_a_reader_and_as_com_hand_a_date_over(moment: dt.date, serial: float, com: float) -> None:
    assert excel_serial(moment) == pytest.approx(serial)
    assert excel_serial(moment, com=True) == pytest.approx(com)
    if serial >= 1:
        assert parse_date(serial) == pd.Timestamp(moment).tz_localize(None).normalize()
