"""Every action_id, callback_id and block_id, defined once and used by both views and handlers."""

from __future__ import annotations

import enum


class ActionId(enum.StrEnum):
    MEMBERS_PAGE = "kilo_members_page"
    INVOICE_DOWNLOAD = "kilo_invoice_download"
    BUY_CREDITS = "kilo_buy_credits"
    CONNECT_URL = "kilo_connect_url"
    CONNECT_KEY = "kilo_connect_key"
    SEATS_ADD = "kilo_seats_add"
    SEATS_REMOVE = "kilo_seats_remove"
    SEATS_NUMBER = "kilo_seats_number"
    SEAT_REQUEST_APPROVE = "kilo_seat_request_approve"
    SEAT_REQUEST_DENY = "kilo_seat_request_deny"
    SEAT_REQUEST_WITHDRAW = "kilo_seat_request_withdraw"
    SEAT_DENY_REASON = "kilo_seat_deny_reason"


class BlockId(enum.StrEnum):
    MEMBERS_PAGER = "kilo_members_pager"
    QUICK_ACTIONS = "kilo_quick_actions"
    CONNECT_URL = "kilo_connect_url_block"
    CONNECT_KEY = "kilo_connect_key_block"
    SEATS_NUMBER = "kilo_seats_number_block"
    SEATS_PREVIEW = "kilo_seats_preview_block"
    SEAT_REQUEST_ACTIONS = "kilo_seat_request_actions"
    SEAT_DENY_REASON = "kilo_seat_deny_reason_block"


class ViewId(enum.StrEnum):
    CONNECT = "kilo_connect"
    SEATS_CHANGE = "kilo_seats_change"
    SEAT_APPROVE = "kilo_seat_approve"
    SEAT_DENY = "kilo_seat_deny"
