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
    match error:
        case CommandError():
            return problem(str(error), "Type `/kilo help` for everything I can do.")
        case SeatRefusal() | SeatNumberError():
            return problem(str(error), "Nothing was changed.")
        case StaleInteraction():
            return problem(str(error), "Nothing was changed.")
        case ActionRefused(sentence=sentence, hint=hint):
            return problem(sentence, hint)
        case SeatsFull(message=message):
            return problem(message, "Nothing was changed. An Owner or Admin can add a seat with `/kilo seats`.")
        case NameMismatch():
            return problem(str(error), "Nothing was changed.")
        case DigestRefused(message=message, hint=hint) | ChannelRefused(message=message, hint=hint):
            return problem(message, hint or "Nothing was changed.")
        case AccessDenied(sentence=sentence, helpers=helpers):
            return problem(
                sentence,
                f"Ask {names(helpers)} if you need it. You can always see your own usage with `/kilo usage me`.",
            )
        case NotAMember(email=email, organization_name=organization, owners=owners):
            return problem(
                f"You're not a member of *{organization}* on Kilo (I looked for {email}, the email on your "
                "Slack profile).",
                f"Ask {names(owners)} to invite that address, or to tell you which email the team uses.",
            )
        case NoEmail():
            return problem(
                "I can't see the email address on your Slack profile, so I can't tell which Kilo member you are.",
                "Guests and bots have no email I can read; a workspace admin can check the app has the "
                "`users:read.email` permission.",
            )
        case NotConnected():
            return problem(
                "This workspace isn't connected to a Kilo organization yet.",
                "A Slack workspace admin can connect it with `/kilo connect` and the organization's API key.",
            )
        case kilo_client.BackendUnavailable():
            return problem(f"Kilo isn't answering right now ({error.message})", RETRY_HINT)
        case kilo_client.Forbidden():
            return problem(f"Kilo refused that: {error.message}", "Ask an Owner of your organization for help.")
        case kilo_client.NotFound():
            return problem(f"Kilo couldn't find that: {error.message}")
        case kilo_client.PaymentDeclined():
            return problem(
                f"Your card was declined. {error.message}",
                "Nothing was charged. Update the card in the Kilo dashboard, then try again.",
            )
        case kilo_client.ValidationFailed() | kilo_client.Conflict():
            return problem(error.message, "Nothing was changed.")
        case SlackApiError() if error.response.get("error") == "missing_scope":
            return problem(
                f"Slack hasn't given me the `{error.response.get('needed')}` permission I need for that.",
                "A workspace admin can reinstall the app from manifest.yml. " + RETRY_HINT,
            )
        case SlackApiError() if error.response.get("error") in ("expired_trigger_id", "exchanged_trigger_id"):
            return problem(
                "Slack took too long to open the form.", "Nothing was changed. Run the command or click again."
            )
        case SlackApiError() if error.response.get("error") == "ratelimited":
            return problem("Slack is limiting how fast I can answer right now.", RETRY_HINT)
    logger.exception("unexpected error answering a Slack request", exc_info=error)
    return problem("Something went wrong on my side; it has been logged.", RETRY_HINT)
