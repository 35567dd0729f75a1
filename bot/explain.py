"""Every failure a person can meet, as a friendly message that says why and what to do next."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import kilo_client
from bot.channels import ChannelRefused
from bot.commands import CommandError
from bot.dashboard import AccessDenied
from bot.digests import DigestRefused
from bot.identity import NoEmail, NotAMember, NotConnected
from bot.interaction import StaleInteraction
from bot.views.blocks import Message
from bot.views.problems import names, problem

logger = logging.getLogger(__name__)

RETRY_HINT = "Nothing was changed. Try again in a minute; if it keeps happening, tell whoever runs kilo-bot."


def explain(error: Exception) -> Message:
    match error:
        case CommandError():
            return problem(str(error), "Type `/kilo help` for everything I can do.")
        case StaleInteraction():
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
                "Whoever runs kilo-bot sets KILO_API_URL and KILO_API_KEY (or runs the embedded demo).",
            )
        case kilo_client.BackendUnavailable():
            return problem(f"Kilo isn't answering right now ({error.message})", RETRY_HINT)
        case kilo_client.Forbidden():
            return problem(f"Kilo refused that: {error.message}", "Ask an Owner of your organization for help.")
        case kilo_client.NotFound():
            return problem(f"Kilo couldn't find that: {error.message}")
        case kilo_client.ValidationFailed() | kilo_client.Conflict():
            return problem(error.message, "Nothing was changed.")
        case SlackApiError() if error.response.get("error") == "ratelimited":
            return problem("Slack is limiting how fast I can answer right now.", RETRY_HINT)
    logger.exception("unexpected error answering a Slack request", exc_info=error)
    return problem("Something went wrong on my side; it has been logged.", RETRY_HINT)
