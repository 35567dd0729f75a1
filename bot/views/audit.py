"""Where an audit entry came from, in words: from Slack (this app), via the API (naming the program when it
named itself), or not recorded (entries from before Kilo kept it). What Kilo did by itself has no origin."""

from __future__ import annotations

from kilo_api.enums import KnownClient

NOT_RECORDED = "origin not recorded"
MAX_CLIENT_SHOWN = 64


def origin_words(client: str | None, *, by_kilo: bool = False) -> str | None:
    """The origin in words (from Slack, via the API, via the API naming the program, origin not recorded), or
    None for what Kilo did by itself (its line already says Kilo)."""
    if by_kilo:
        return None
    match client:
        case None | "":
            # Kilo kept no origin before its migration 0003; such an entry may have come from Slack too.
            return NOT_RECORDED
        case KnownClient.SLACK_APP:
            return "from Slack"
        case KnownClient.API:
            return "via the API"
    # Kilo allows only these characters in a client name; anything else (another backend) is dropped, so a name
    # cannot format or link the line.
    shown = "".join(c for c in client if c.isascii() and (c.isalnum() or c in "._/-"))[:MAX_CLIENT_SHOWN]
    return f"via the API (`{shown}`)" if shown else "via the API"
