"""Delivery and episode claims on SQLite and PostgreSQL: one claimer per (subscription, period), retries
and abandoned claims taken over by exactly one process, even when many try at the same instant."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from bot.alert_store import AlertStore
from bot.deliveries import CLAIM_TIMEOUT
from bot.digest_shapes import (
    AlertKind,
    DeliveryStatus,
    EpisodeStatus,
    RuleRequest,
    SubscriptionKind,
    SubscriptionRequest,
    SubscriptionStatus,
)
from bot.digest_store import DigestStore
from bot.migrate import upgrade
from bot.schedule import Frequency, Schedule
from bot.store import BotStore

NOW = datetime(2026, 3, 16, 13, 0, tzinfo=UTC)
T = TypeVar("T")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[BotStore]:
    url = (
        f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    upgrade(url)
    bot = BotStore(url)
    yield bot
    bot.engine.dispose()


def subscription_request(team: str, channel: str = "C1") -> SubscriptionRequest:
    return SubscriptionRequest(
        team,
        SubscriptionKind.CHANNEL,
        channel,
        "spend",
        "U1",
        "owner@example.com",
        Schedule(Frequency.WEEKLY, time(9), ZoneInfo("America/New_York")),
        False,
    )


def all_at_once(count: int, work: Callable[[], T]) -> list[T]:
    """`count` threads run `work` released by one barrier; their results."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        result = work()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_subscribing_a_channel_twice_changes_its_one_subscription(store: BotStore):
    digests = DigestStore(store)
    team = f"T{secrets.token_hex(4).upper()}"
    first, created = digests.save_subscription(subscription_request(team), NOW)
    assert created
    digests.pause(first.id, "archived", NOW)
    second, created_again = digests.save_subscription(subscription_request(team), NOW + timedelta(hours=1))
    assert not created_again and second.id == first.id
    assert second.status is SubscriptionStatus.ACTIVE and second.effective_from == NOW + timedelta(hours=1)
    concurrent = all_at_once(6, lambda: digests.save_subscription(subscription_request(team, "C2"), NOW)[0].id)
    assert len(set(concurrent)) == 1


def test_one_of_many_simultaneous_claims_wins(store: BotStore):
    digests = DigestStore(store)
    subscription, _ = digests.save_subscription(subscription_request(f"T{secrets.token_hex(4).upper()}"), NOW)
    claims = all_at_once(8, lambda: digests.claim(subscription.id, "2026-03-16", due_at=NOW, now=NOW))
    assert len([c for c in claims if c is not None]) == 1


def test_a_failed_delivery_is_retaken_once_when_its_retry_is_due(store: BotStore):
    digests = DigestStore(store)
    subscription, _ = digests.save_subscription(subscription_request(f"T{secrets.token_hex(4).upper()}"), NOW)
    claim = digests.claim(subscription.id, "2026-03-16", due_at=NOW, now=NOW)
    assert claim is not None
    digests.mark_failed(claim, "Slack: internal_error", retry_at=NOW + timedelta(minutes=1))
    assert digests.claim(subscription.id, "2026-03-16", due_at=NOW, now=NOW + timedelta(seconds=59)) is None
    retakes = all_at_once(
        5, lambda: digests.claim(subscription.id, "2026-03-16", due_at=NOW, now=NOW + timedelta(minutes=1))
    )
    (retake,) = [c for c in retakes if c is not None]
    assert retake.attempts == 2
    assert not digests.mark_sent(claim, NOW)  # the first claim's token is no longer good
    assert digests.mark_sent(retake, NOW + timedelta(minutes=1))
    delivery = digests.delivery(subscription.id, "2026-03-16")
    assert delivery is not None and delivery.status is DeliveryStatus.SENT


def test_an_abandoned_claim_is_taken_over_after_the_timeout_with_its_message_ts(store: BotStore):
    digests = DigestStore(store)
    subscription, _ = digests.save_subscription(subscription_request(f"T{secrets.token_hex(4).upper()}"), NOW)
    claim = digests.claim(subscription.id, "2026-03-16", due_at=NOW, now=NOW)
    assert claim is not None and digests.record_post(claim, "C1", "1773666000.000100")
    early = NOW + CLAIM_TIMEOUT - timedelta(seconds=1)
    assert digests.claim(subscription.id, "2026-03-16", due_at=NOW, now=early) is None
    taken = digests.claim(subscription.id, "2026-03-16", due_at=NOW, now=NOW + CLAIM_TIMEOUT)
    assert taken is not None and (taken.message_ts, taken.channel_id) == ("1773666000.000100", "C1")
    assert not digests.still_held(claim, NOW + CLAIM_TIMEOUT)


def test_one_of_many_simultaneous_episodes_opens(store: BotStore):
    alerts = AlertStore(store)
    team = f"T{secrets.token_hex(4).upper()}"
    (rule,) = alerts.replace_rules(
        team, [RuleRequest(AlertKind.CREDITS_BELOW, 1)], channel_id="C1", created_by="U1", actor_email="o@x", now=NOW
    )
    opened = all_at_once(8, lambda: alerts.open_episode(rule.id, "credits", {"balance": 0}, NOW))
    assert len([o for o in opened if o is not None]) == 1
    (episode,) = alerts.episodes(rule.id)
    resolved = all_at_once(4, lambda: alerts.resolve(episode.id, NOW))
    assert len([r for r in resolved if r is not None]) == 1
    again = alerts.open_episode(rule.id, "credits", {"balance": 0}, NOW)
    assert again is not None and [e.sequence for e in alerts.episodes(rule.id)] == [1, 2]


def test_many_ticks_pausing_a_workspaces_alert_channel_at_once_pause_it_once(store: BotStore):
    alerts = AlertStore(store)
    team = f"T{secrets.token_hex(4).upper()}"
    requests = [RuleRequest(AlertKind.CREDITS_BELOW, 1), RuleRequest(AlertKind.SEAT_POOL_FULL, None)]
    rules = alerts.replace_rules(team, requests, channel_id="C1", created_by="U1", actor_email="o@x", now=NOW)
    paused = all_at_once(8, lambda: alerts.pause(team, "C1", "is_archived", NOW))
    (winner,) = [p for p in paused if p]  # the one caller that tells the setter
    assert {rule.id for rule in winner} == {rule.id for rule in rules}
    assert all(rule.paused and rule.paused_reason == "is_archived" for rule in alerts.rules(team))
    assert alerts.pause(team, "C1", "is_archived", NOW + timedelta(minutes=1)) == []


def test_saving_paused_alerts_resumes_them_and_retries_the_alert_given_up_on(store: BotStore):
    alerts = AlertStore(store)
    team = f"T{secrets.token_hex(4).upper()}"
    request = [RuleRequest(AlertKind.CREDITS_BELOW, 1)]
    (rule,) = alerts.replace_rules(team, request, channel_id="C1", created_by="U1", actor_email="o@x", now=NOW)
    claim = alerts.open_episode(rule.id, "credits", {"balance": 0}, NOW)
    assert claim is not None and alerts.mark_failed(claim, "is_archived", NOW, retry=False)
    assert alerts.pause(team, "C1", "is_archived", NOW)
    assert alerts.retake(claim.episode_id, NOW + timedelta(days=1)) is None  # given up while paused

    later = NOW + timedelta(hours=2)
    (resumed,) = alerts.replace_rules(team, request, channel_id="C2", created_by="U1", actor_email="o@x", now=later)
    assert not resumed.paused and resumed.paused_reason is None and resumed.id == rule.id
    retakes = all_at_once(4, lambda: alerts.retake(claim.episode_id, later))
    (retake,) = [r for r in retakes if r is not None]
    assert retake.attempts == 1 and retake.message_ts is None  # posted afresh, to the channel saved now


def test_an_alert_episode_is_retaken_once_when_its_retry_is_due_and_once_when_its_claimer_died(store: BotStore):
    # Episodes share the deliveries' claim rules (bot/deliveries.py): one process wins each take-over.
    alerts = AlertStore(store)
    team = f"T{secrets.token_hex(4).upper()}"
    request = [RuleRequest(AlertKind.CREDITS_BELOW, 1)]
    (rule,) = alerts.replace_rules(team, request, channel_id="C1", created_by="U1", actor_email="o@x", now=NOW)
    claim = alerts.open_episode(rule.id, "credits", {"balance": 0}, NOW)
    assert claim is not None and alerts.mark_failed(claim, "Slack: internal_error", NOW)
    assert alerts.retake(claim.episode_id, NOW + timedelta(seconds=59)) is None  # the first retry is 1 min on
    retakes = all_at_once(5, lambda: alerts.retake(claim.episode_id, NOW + timedelta(minutes=1)))
    (retake,) = [r for r in retakes if r is not None]
    assert retake.attempts == 2 and not alerts.record_post(claim, "C1", "1773666000.000100")

    # The retaker posts, then dies before recording it as open: after the timeout one process takes over.
    assert alerts.claims.update(retake.episode_id, retake.token, channel_id="C1", message_ts="1773666000.000200")
    died = NOW + timedelta(minutes=1)
    assert alerts.retake(claim.episode_id, died + CLAIM_TIMEOUT - timedelta(seconds=1)) is None
    takeovers = all_at_once(5, lambda: alerts.retake(claim.episode_id, died + CLAIM_TIMEOUT))
    (taken,) = [t for t in takeovers if t is not None]
    assert (taken.attempts, taken.channel_id, taken.message_ts) == (3, "C1", "1773666000.000200")  # edit it
    assert not alerts.still_held(retake, died + CLAIM_TIMEOUT)
    assert alerts.record_post(taken, "C1", "1773666000.000200")
    (episode,) = alerts.episodes(rule.id)
    assert episode.status is EpisodeStatus.OPEN and episode.attempts == 3
