"""Adding and removing seats, as plain data: the number a person typed, the plan it makes (price today,
seats before → after, the new recurring amount, the next charge) and its fingerprint. No Slack, no HTTP.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime

from kilo_api import schemas
from kilo_api.enums import BillingCycle
from kilo_api.money import prorate_to_cent

MAX_SEATS = 10_000  # the backend's limit on a subscription's seats (SeatChangeIn)


class SeatMode(enum.StrEnum):
    ADD = "add"
    REMOVE = "remove"


class SeatRefusal(Exception):
    """A seat action that cannot go ahead, said in one sentence (shown privately; nothing changed)."""


class SeatNumberError(ValueError):
    """What the person typed is not a seat count this change can take; the message says what would work."""


@dataclass(frozen=True)
class SeatPlan:
    """One seat change as it would be made now."""

    mode: SeatMode
    seats: int  # how many seats are added or removed
    current_seats: int
    new_seats: int
    seats_used: int
    price_per_seat_microdollars: int
    billing_cycle: BillingCycle
    remaining_days: int
    cycle_days: int
    prorated_microdollars: int  # charged today (adding) or credited to the next invoice (removing, < 0)
    next_charge_at: datetime | None

    @property
    def new_recurring_microdollars(self) -> int:
        return self.new_seats * self.price_per_seat_microdollars

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything the person was shown changes, so a stale price is never charged."""
        shown = (
            self.mode,
            self.current_seats,
            self.new_seats,
            self.price_per_seat_microdollars,
            self.billing_cycle,
            self.remaining_days,
            self.cycle_days,
            self.prorated_microdollars,
            self.next_charge_at.isoformat() if self.next_charge_at else "",
        )
        return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


def parse_seat_number(raw: object) -> int:
    """A positive whole number of seats, from what a number_input or a command gave."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise SeatNumberError("Enter how many seats.")
    try:
        number = int(text)
    except ValueError:
        raise SeatNumberError(f"“{' '.join(text.split())[:20]}” is not a whole number of seats.") from None
    if number <= 0:
        raise SeatNumberError("Enter 1 or more seats.")
    if number > MAX_SEATS:
        raise SeatNumberError(f"A subscription has at most {MAX_SEATS:,} seats.")
    return number


def target_seats(mode: SeatMode, seats: int, subscription: schemas.SubscriptionOut) -> int:
    """The subscription's seat count after the change, or SeatNumberError saying why not."""
    if mode is SeatMode.ADD:
        if subscription.seat_count + seats > MAX_SEATS:
            room = MAX_SEATS - subscription.seat_count
            raise SeatNumberError(f"A subscription has at most {MAX_SEATS:,} seats; you can add up to {room:,}.")
        return subscription.seat_count + seats
    after = subscription.seat_count - seats
    if after < max(1, subscription.seats_used):
        if after < 1:
            raise SeatNumberError(f"You have {subscription.seat_count} seats; at least 1 must stay.")
        to_free = subscription.seats_used - after
        raise SeatNumberError(
            f"{subscription.seats_used} of your {subscription.seat_count} seats are in use. Remove "
            f"{to_free} member{'s' if to_free != 1 else ''} or invitation{'s' if to_free != 1 else ''} first."
        )
    return after


def plan_from_quote(mode: SeatMode, subscription: schemas.SubscriptionOut, quote: schemas.SeatQuoteOut) -> SeatPlan:
    """The backend's own quote, with what the subscription adds (cycle, next charge date)."""
    return SeatPlan(
        mode=mode,
        seats=abs(quote.delta),
        current_seats=quote.current_seats,
        new_seats=quote.new_seats,
        seats_used=quote.seats_used,
        price_per_seat_microdollars=quote.price_per_seat_microdollars,
        billing_cycle=subscription.billing_cycle,
        remaining_days=quote.remaining_days,
        cycle_days=quote.cycle_days,
        prorated_microdollars=quote.prorated_amount_microdollars,
        next_charge_at=subscription.next_charge_at or subscription.current_period_end,
    )


def estimate_addition(subscription: schemas.SubscriptionOut, seats: int, now: datetime) -> SeatPlan:
    """What adding `seats` would cost now, for a request message.

    The backend quotes only for Owners and Admins, and a request is usually made by a Member; this is the
    backend's rule (whole UTC days left in the cycle, the change day included, half-up to the cent) and a
    test keeps the two equal. The approver's confirmation always shows the backend's own quote."""
    start = subscription.current_period_start.date()
    cycle_days = (subscription.current_period_end.date() - start).days
    remaining = min(cycle_days, max(0, cycle_days - (now.date() - start).days))
    return SeatPlan(
        mode=SeatMode.ADD,
        seats=seats,
        current_seats=subscription.seat_count,
        new_seats=subscription.seat_count + seats,
        seats_used=subscription.seats_used,
        price_per_seat_microdollars=subscription.price_per_seat_microdollars,
        billing_cycle=subscription.billing_cycle,
        remaining_days=remaining,
        cycle_days=cycle_days,
        prorated_microdollars=prorate_to_cent(seats * subscription.price_per_seat_microdollars, remaining, cycle_days),
        next_charge_at=subscription.next_charge_at or subscription.current_period_end,
    )


def form_idempotency_key(team_id: str, view_id: str, new_seats: int) -> str:
    """One modal submitted twice (a double click, Slack resending) changes the seats once."""
    return f"slack-view-{team_id}-{view_id}-{new_seats}"
