"""Typed domain errors; the API maps each to one HTTP status and a JSON body."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Invalid(DomainError):
    status_code = 422
    code = "invalid"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class SeatLimitReached(Conflict):
    code = "seat_limit_reached"


class PaymentDeclined(DomainError):
    """The card on file refused the charge; nothing was bought."""

    status_code = 402
    code = "card_declined"
