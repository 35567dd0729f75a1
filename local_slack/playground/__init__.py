"""The playground: a Slack-like page on loopback to use the app without a Slack workspace (`make run`)."""

from __future__ import annotations

from local_slack.playground.app import CommandHint, Person, Playground

__all__ = ["CommandHint", "Person", "Playground"]
