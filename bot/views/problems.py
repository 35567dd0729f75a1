"""A refusal or failure as a person reads it: what happened, and what to do next."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.views.blocks import Message, context, section


def problem(text: str, hint: str | None = None) -> Message:
    blocks: list[Block] = [section(f":warning: {text}")]
    if hint:
        blocks.append(context(hint))
    return Message(text=text, blocks=blocks)


def names(people: list[str]) -> str:
    if not people:
        return "an admin of your workspace"
    return people[0] if len(people) == 1 else ", ".join(people[:-1]) + f" or {people[-1]}"
