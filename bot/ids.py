"""Every action_id, callback_id and block_id, defined once and used by both views and handlers."""

from __future__ import annotations

import enum


class ActionId(enum.StrEnum):
    MEMBERS_PAGE = "kilo_members_page"
    INVOICE_DOWNLOAD = "kilo_invoice_download"
    BUY_CREDITS = "kilo_buy_credits"
    CONNECT_URL = "kilo_connect_url"
    CONNECT_KEY = "kilo_connect_key"
    # admin actions (handlers/manage.py): buttons and menus that open a modal, and the modals' inputs
    INVITE_OPEN = "kilo_invite_open"
    MEMBER_MENU = "kilo_member_menu"
    POLICIES_OPEN = "kilo_policies_open"
    BILLING_CYCLE_OPEN = "kilo_billing_cycle_open"
    CANCEL_OPEN = "kilo_cancel_open"
    RESUME = "kilo_resume"
    BUY_CREDITS_OPEN = "kilo_buy_credits_open"
    SEAT_REQUEST_OPEN = "kilo_seat_request_open"
    ADD_SEAT_AND_INVITE = "kilo_add_seat_and_invite"
    INVITE_EMAIL = "kilo_invite_email"
    INVITE_ROLE = "kilo_invite_role"
    MEMBER_ROLE = "kilo_member_role"
    DAILY_LIMIT = "kilo_daily_limit"
    NO_DAILY_LIMIT = "kilo_no_daily_limit"
    POLICIES = "kilo_policies"
    BILLING_CYCLE = "kilo_billing_cycle"
    CANCEL_NAME = "kilo_cancel_name"
    CREDIT_AMOUNT = "kilo_credit_amount"


class BlockId(enum.StrEnum):
    MEMBERS_PAGER = "kilo_members_pager"
    QUICK_ACTIONS = "kilo_quick_actions"
    CONNECT_URL = "kilo_connect_url_block"
    CONNECT_KEY = "kilo_connect_key_block"
    MEMBERS_ACTIONS = "kilo_members_actions"
    SUBSCRIPTION_ACTIONS = "kilo_subscription_actions"
    BILLING_ACTIONS = "kilo_billing_actions"
    ORGANIZATION_ACTIONS = "kilo_organization_actions"
    SEATS_FULL = "kilo_seats_full"
    PROBLEM = "kilo_problem"
    INVITE_EMAIL = "kilo_invite_email_block"
    INVITE_ROLE = "kilo_invite_role_block"
    MEMBER_ROLE = "kilo_member_role_block"
    DAILY_LIMIT = "kilo_daily_limit_block"
    NO_DAILY_LIMIT = "kilo_no_daily_limit_block"
    POLICIES = "kilo_policies_block"
    BILLING_CYCLE = "kilo_billing_cycle_block"
    CANCEL_NAME = "kilo_cancel_name_block"
    CREDIT_AMOUNT = "kilo_credit_amount_block"


class ViewId(enum.StrEnum):
    CONNECT = "kilo_connect"
    LOADING = "kilo_loading"
    DONE = "kilo_done"
    INVITE = "kilo_invite"
    MEMBER_ROLE = "kilo_member_role"
    DAILY_LIMIT = "kilo_daily_limit"
    REMOVE_MEMBER = "kilo_remove_member"
    POLICIES = "kilo_policies"
    BILLING_CYCLE = "kilo_billing_cycle"
    CANCEL = "kilo_cancel"
    CANCEL_CONFIRM = "kilo_cancel_confirm"
    BUY_CREDITS = "kilo_buy_credits_form"
