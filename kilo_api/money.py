"""Integer money: microdollars everywhere, rounded to whole cents only where a charge is made."""

from __future__ import annotations

MICRODOLLARS_PER_DOLLAR = 1_000_000
MICRODOLLARS_PER_CENT = 10_000


def dollars(amount: int) -> int:
    return amount * MICRODOLLARS_PER_DOLLAR


def divide_round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding halves away from zero (the rule invoices use)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((abs(numerator) * 2 + denominator) // (2 * denominator))


def prorate_to_cent(amount_microdollars: int, remaining: int, total: int) -> int:
    """amount × remaining / total, rounded half-up to a whole cent, in microdollars."""
    cents = divide_round_half_up(amount_microdollars * remaining, total * MICRODOLLARS_PER_CENT)
    return cents * MICRODOLLARS_PER_CENT


def format_usd(amount_microdollars: int) -> str:
    """$1,234.56 — rounded half-up to the cent, for documents (PDF invoices)."""
    cents = divide_round_half_up(amount_microdollars, MICRODOLLARS_PER_CENT)
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{frac:02d}"
