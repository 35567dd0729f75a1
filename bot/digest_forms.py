"""The subscription modal's fields → the same typed request as `/kilo digest subscribe`, or the problems
to show next to each field."""

from __future__ import annotations

from datetime import time
from typing import Any

from bot.commands import ChannelRef, DigestSubscribe, zone_name
from bot.ids import BlockId
from bot.schedule import Frequency


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def subscribe_request(values: dict[str, Any]) -> DigestSubscribe:
    errors: dict[str, str] = {}
    channel = values.get("channel")
    if not channel or str(channel)[:1] not in ("C", "G"):
        errors[BlockId.DIGEST_CHANNEL] = "Pick a channel (digests don't go to direct messages)."
    try:
        frequency = Frequency(values.get("frequency") or Frequency.WEEKLY)
    except ValueError:
        frequency = Frequency.WEEKLY
        errors[BlockId.DIGEST_FREQUENCY] = "Pick how often."
    weekday, day_of_month = 0, 1
    day = str(values.get("day") or "")
    if frequency is Frequency.WEEKLY and day.startswith("w"):
        weekday = int(day[1:])
    elif frequency is Frequency.MONTHLY:
        if not day.startswith("m"):
            errors[BlockId.DIGEST_DAY] = "Pick a day of the month (1st to 28th) for a monthly digest."
        else:
            day_of_month = int(day[1:])
    elif frequency is Frequency.WEEKLY and day:
        errors[BlockId.DIGEST_DAY] = "Pick a day of the week for a weekly digest."
    try:
        hours, minutes = (int(part) for part in str(values.get("time") or "").split(":"))
        at = time(hours, minutes)
    except ValueError:
        at = time(9, 0)
        errors[BlockId.DIGEST_TIME] = "Pick a time of day."
    zone = zone_name(str(values.get("zone") or ""))
    if zone is None:
        errors[BlockId.DIGEST_ZONE] = "Use an Area/City time zone, like Europe/Berlin or America/New_York."
    if errors:
        raise FormInvalid(errors)
    return DigestSubscribe(
        channel=ChannelRef(str(channel)),
        frequency=frequency,
        weekday=weekday,
        day_of_month=day_of_month,
        at=at,
        zone=zone,
        show_people=bool(values.get("people")),
    )
