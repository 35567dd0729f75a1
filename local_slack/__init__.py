"""Slack on loopback: a strict fake of the Web API and of Socket Mode, shared by tests, `make demo` and bench."""

from __future__ import annotations

from local_slack import interactivity
from local_slack.socket_mode import FakeSocketMode
from local_slack.web_api import Call, FakeSlack, SlackUser, call_problem, message_problem

__all__ = ["Call", "FakeSlack", "FakeSocketMode", "SlackUser", "call_problem", "interactivity", "message_problem"]
