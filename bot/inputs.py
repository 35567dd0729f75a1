"""What people type into forms and commands, read strictly: dollar amounts into microdollars, emails.

Each reader returns the value or raises InputRefused with a sentence to show next to the field.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from email_validator import EmailNotValidError, validate_email

from bot.formatting import usd
from kilo_api.money import MICRODOLLARS_PER_CENT, MICRODOLLARS_PER_DOLLAR

# 1234, 1,234.5, $12.50, .5 — digits with optional thousands commas, an optional point and decimals.
DOLLARS = re.compile(r"^\$?(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<fraction>[0-9]*))?$")
MAX_TYPED_LENGTH = 40  # longer than any amount a person means; also keeps Decimal's work small
MAILTO = re.compile(r"^<mailto:[^|>]+\|(?P<shown>[^>]+)>$")  # how Slack may send an email in a command


class InputRefused(ValueError):
    """The text is not a value this field takes; the message says what would be."""


def dollars_to_microdollars(typed: str | None, *, minimum: int, maximum: int, what: str) -> int:
    """A typed dollar amount as integer microdollars, rounded half-up to the cent, within [minimum, maximum].

    Anything that rounds to $0.00 is refused as zero, whatever `minimum` says."""
    text = (typed or "").strip().replace(" ", "")
    if not text:
        raise InputRefused(f"Type {what} in dollars, for example {usd(max(minimum, MICRODOLLARS_PER_DOLLAR))}.")
    if text.startswith("-") or text.startswith("$-"):
        raise InputRefused(f"{what.capitalize()} can't be negative.")
    match = DOLLARS.match(text) if len(text) <= MAX_TYPED_LENGTH else None
    if match is None or not (match["whole"] or match["fraction"]):
        raise InputRefused(f"“{_echo(typed or '')}” is not an amount in dollars; type a number like 25 or 12.50.")
    exact = Decimal(match["whole"].replace(",", "") or "0") + Decimal(f"0.{match['fraction'] or '0'}")
    cents = int(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    amount = cents * MICRODOLLARS_PER_CENT
    if amount == 0:
        raise InputRefused(f"{what.capitalize()} must be more than $0.00.")
    if amount < minimum:
        raise InputRefused(f"{what.capitalize()} must be at least {usd(minimum)}.")
    if amount > maximum:
        raise InputRefused(f"{what.capitalize()} can be at most {usd(maximum)}.")
    return amount


def email_address(typed: str | None) -> str:
    """A syntactically valid email address, its domain lower-cased (the backend lower-cases the whole)."""
    text = (typed or "").strip()
    mailto = MAILTO.match(text)
    if mailto:
        text = mailto["shown"]
    if not text:
        raise InputRefused("Type the email address to invite.")
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InputRefused(f"“{_echo(text)}” is not an email address ({exc}).") from exc


def _echo(typed: str) -> str:
    """What the person typed, on one line and short, to quote back in a refusal."""
    return " ".join(typed.split())[:80]
