"""Limits both sides of the contract know: the backend enforces them, the bot shows them before asking."""

from __future__ import annotations

from kilo_api.money import dollars

MIN_CREDIT_PURCHASE_MICRODOLLARS = dollars(10)
MAX_CREDIT_PURCHASE_MICRODOLLARS = dollars(100_000)
MAX_DAILY_LIMIT_MICRODOLLARS = dollars(1_000_000)
