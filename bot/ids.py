"""Every action_id, callback_id and block_id, defined once and used by both views and handlers."""

from __future__ import annotations

import enum


class ActionId(enum.StrEnum):
    MEMBERS_PAGE = "kilo_members_page"
    INVOICE_DOWNLOAD = "kilo_invoice_download"
    BUY_CREDITS = "kilo_buy_credits"
    CONNECT_URL = "kilo_connect_url"
    CONNECT_KEY = "kilo_connect_key"


class BlockId(enum.StrEnum):
    MEMBERS_PAGER = "kilo_members_pager"
    QUICK_ACTIONS = "kilo_quick_actions"
    CONNECT_URL = "kilo_connect_url_block"
    CONNECT_KEY = "kilo_connect_key_block"


class ViewId(enum.StrEnum):
    CONNECT = "kilo_connect"
