"""The master's book currency (Settings 记账币种): its code, the symbol amounts are shown with, and the money formats.

Every amount the toolkit writes or prints is in the book currency: a money cell's number format, an amount in a
console line, a header naming the unit. CNY (¥) is the default; a code we know has its usual symbol (SGD S$, USD $),
an unknown code is shown as itself (MYR 1,850.00), so nobody reads a foreign amount as yuan.
"""

from __future__ import annotations

from dataclasses import dataclass

# The usual symbol of each code; ¥ stands for both the yuan and the yen, as the people using each book write it.
SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "USD": "$",
    "SGD": "S$",
    "HKD": "HK$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "TWD": "NT$",
    "MOP": "MOP$",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "KRW": "₩",
    "INR": "₹",
    "THB": "฿",
    "PHP": "₱",
    "VND": "₫",
    "CHF": "CHF ",
    "MYR": "RM",
}


@dataclass(frozen=True)
class Currency:
    """A book currency: its ISO code and the symbol its amounts are shown with."""

    code: str
    symbol: str

    @property
    def money_format(self) -> str:
        """The Excel number format of a money cell: ``"¥"#,##0.00``, ``"S$"#,##0.00``."""
        return f'"{self.symbol}"#,##0.00'

    def shown(self, amount: float) -> str:
        """``amount`` as a money cell shows it, its minus before the symbol: -¥422.65, S$1,850.00."""
        return f"{'-' if amount < 0 else ''}{self.symbol}{abs(amount):,.2f}"


def currency(code: str) -> Currency:
    """The currency of ``code`` (any case); an unknown code is shown by the code itself and a space: ``XYZ 5.00``."""
    code = code.strip().upper() or "CNY"
    return Currency(code, SYMBOLS.get(code, f"{code} "))


CNY = currency("CNY")


@dataclass(frozen=True)
class Money:
    """An amount in a message, shown after the message's ¥ mark with its currency's symbol in the mark's place."""

    amount: float
    currency: Currency = CNY

    def __format__(self, spec: str) -> str:
        return format(self.amount, spec)

    def __str__(self) -> str:
        return self.currency.shown(self.amount)
