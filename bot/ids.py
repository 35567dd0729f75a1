"""Every action_id, callback_id and block_id, defined once and used by both views and handlers."""

from __future__ import annotations

import enum


class ActionId(enum.StrEnum):
    MEMBERS_PAGE = "kilo_members_page"
    INVOICE_DOWNLOAD = "kilo_invoice_download"
    BUY_CREDITS = "kilo_buy_credits"
    CONNECT_URL = "kilo_connect_url"
    CONNECT_KEY = "kilo_connect_key"
    DIGEST_CHANNEL = "kilo_digest_channel"
    DIGEST_FREQUENCY = "kilo_digest_frequency"
    DIGEST_DAY = "kilo_digest_day"
    DIGEST_TIME = "kilo_digest_time"
    DIGEST_ZONE = "kilo_digest_zone"
    DIGEST_PEOPLE = "kilo_digest_people"
    ALERT_CHANNEL = "kilo_alert_channel"
    ALERT_CREDITS_BELOW = "kilo_alert_credits_below"
    ALERT_RUNWAY_BELOW = "kilo_alert_runway_below"
    ALERT_SPEND_ABOVE = "kilo_alert_spend_above"
    ALERT_SPEND_SPIKE = "kilo_alert_spend_spike"
    ALERT_TOGGLES = "kilo_alert_toggles"
    ALERT_SNOOZE = "kilo_alert_snooze"
    ALERT_ACT = "kilo_alert_act"  # link buttons (Buy credits, Add seats): Slack opens the URL, we only ack


class BlockId(enum.StrEnum):
    MEMBERS_PAGER = "kilo_members_pager"
    QUICK_ACTIONS = "kilo_quick_actions"
    CONNECT_URL = "kilo_connect_url_block"
    CONNECT_KEY = "kilo_connect_key_block"
    DIGEST_CHANNEL = "kilo_digest_channel_block"
    DIGEST_FREQUENCY = "kilo_digest_frequency_block"
    DIGEST_DAY = "kilo_digest_day_block"
    DIGEST_TIME = "kilo_digest_time_block"
    DIGEST_ZONE = "kilo_digest_zone_block"
    DIGEST_PEOPLE = "kilo_digest_people_block"
    ALERT_CHANNEL = "kilo_alert_channel_block"
    ALERT_CREDITS_BELOW = "kilo_alert_credits_below_block"
    ALERT_RUNWAY_BELOW = "kilo_alert_runway_below_block"
    ALERT_SPEND_ABOVE = "kilo_alert_spend_above_block"
    ALERT_SPEND_SPIKE = "kilo_alert_spend_spike_block"
    ALERT_TOGGLES = "kilo_alert_toggles_block"
    ALERT_ACTIONS = "kilo_alert_actions"


class ViewId(enum.StrEnum):
    CONNECT = "kilo_connect"
    DIGEST_SUBSCRIBE = "kilo_digest_subscribe"
    ALERTS = "kilo_alerts"
