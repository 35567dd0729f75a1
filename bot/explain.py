"""Every failure a person can meet, as a friendly message that says why and what to do next."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import kilo_client
from bot.admin_actions import ActionRefused, NameMismatch, SeatsFull
from bot.channels import ChannelRefused
from bot.commands import CommandError
from bot.dashboard import AccessDenied
from bot.digests import DigestRefused
from bot.identity import NoEmail, NotAMember, NotConnected
from bot.interaction import StaleInteraction
from bot.seats import SeatNumberError, SeatRefusal
from bot.views.blocks import Message
from bot.views.problems import names, problem

logger = logging.getLogger(__name__)

RETRY_HINT = "Nothing was changed. Try again in a minute; if it keeps happening, tell whoever runs kilo-bot."


def explain(error: Exception) -> Message:
    """The failure as a message: the reason, and what to do next underneath."""
    return problem(*reason_and_hint(error))


def in_one_line(error: Exception) -> str:
    """The reason and what to do next as one line, for a modal that stays open with it on top."""
    reason, hint = reason_and_hint(error)
    return f"{reason} {hint}" if hint else reason


def reason_and_hint(error: Exception) -> tuple[str, str | None]:
    """What went wrong, in the person's words, and what to do next (None when there is nothing to add)."""
    match error:
        case CommandError():
            return (str(error), "Type `/kilo help` for everything I can do.")
        case SeatRefusal() | SeatNumberError():
            return (str(error), "Nothing was changed.")
        case StaleInteraction():
            return (str(error), "Nothing was changed.")
        case ActionRefused(sentence=sentence, hint=hint):
            return (sentence, hint)
        case SeatsFull(message=message):
            return (message, "Nothing was changed. An Owner or Admin can add a seat with `/kilo seats`.")
        case NameMismatch():
            return (str(error), "Nothing was changed.")
        case DigestRefused(message=message, hint=hint) | ChannelRefused(message=message, hint=hint):
            return (message, hint or "Nothing was changed.")
        case AccessDenied(sentence=sentence, helpers=helpers):
            return (
                sentence,
                f"Ask {names(helpers)} if you need it. You can always see your own usage with `/kilo usage me`.",
            )
        case NotAMember(email=email, organization_name=organization, owners=owners):
            return (
                f"You're not a member of *{organization}* on Kilo (I looked for {email}, the email on your "
                "Slack profile).",
                f"Ask {names(owners)} to invite that address, or to tell you which email the team uses.",
            )
        case NoEmail():
            return (
                "I can't see the email address on your Slack profile, so I can't tell which Kilo member you are.",
                "Guests and bots have no email I can read; a workspace admin can check the app has the "
                "`users:read.email` permission.",
            )
        case NotConnected():
            return (
                "This workspace isn't connected to a Kilo organization yet.",
                "A Slack workspace admin can connect it with `/kilo connect` and the organization's API key.",
            )
        case kilo_client.BackendUnavailable():
            return (f"Kilo isn't answering right now ({error.message})", RETRY_HINT)
        case kilo_client.Forbidden():
            return (f"Kilo refused that: {error.message}", "Ask an Owner of your organization for help.")
        case kilo_client.NotFound():
            return (f"Kilo couldn't find that: {error.message}", None)
        case kilo_client.PaymentDeclined():
            # Kilo's reason names the card and what was not done; said as it is, not wrapped in a second sentence.
            return (
                error.message or "Your card was declined; nothing was charged or changed.",
                "Update the card in the Kilo dashboard, then try again.",
            )
        case kilo_client.ValidationFailed() | kilo_client.Conflict():
            return (error.message, "Nothing was changed.")
        case SlackApiError() if error.response.get("error") == "missing_scope":
            return (
                f"Slack hasn't given me the `{error.response.get('needed')}` permission I need for that.",
                "A workspace admin can reinstall the app from manifest.yml. " + RETRY_HINT,
            )
        case SlackApiError() if error.response.get("error") in ("expired_trigger_id", "exchanged_trigger_id"):
            return ("Slack took too long to open the form.", "Nothing was changed. Run the command or click again.")
        case SlackApiError() if error.response.get("error") == "ratelimited":
            return ("Slack is limiting how fast I can answer right now.", RETRY_HINT)
    logger.exception("unexpected error answering a Slack request", exc_info=error)
    return ("Something went wrong on my side; it has been logged.", RETRY_HINT)
