"""The organization: seats, members by role, data-collection policies, and the member directory."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot import formatting as fmt
from bot.ids import ActionId, BlockId
from bot.interaction import MembersPage, encode
from bot.views.blocks import Message, actions, button, context, header, section, text_sections
from kilo_api import schemas
from kilo_api.enums import MemberStatus, Role


def seats_line(seats: schemas.SeatUsageOut) -> str:
    return f"{seats.used} of {seats.total} seats used"


def organization(org: schemas.OrganizationOut, zone: ZoneInfo) -> Message:
    roles = org.members_by_role
    policies = org.policies
    blocks = [
        header(org.name),
        section(
            fields=[
                f"*Plan*\nKilo for Teams ({org.plan})",
                f"*Created*\n{fmt.local_date(org.created_at, zone)}",
                f"*Seats*\n{seats_line(org.seats)} ({org.seats.available} available)",
                f"*Members*\n{roles.get('owner', 0)} owners · {roles.get('admin', 0)} admins · "
                f"{roles.get('member', 0)} members",
            ]
        ),
        section(
            "*Data collection*\n"
            f"{'✅' if policies.code_training_opt_out else '⚠️'} Code is "
            f"{'*not* used' if policies.code_training_opt_out else 'may be used'} to train models\n"
            f"{'✅' if policies.usage_analytics_enabled else '➖'} Usage analytics "
            f"{'on' if policies.usage_analytics_enabled else 'off'}"
        ),
        context("`/kilo members` lists everyone · `/kilo seats` shows the subscription"),
    ]
    return Message(text=f"{org.name}: {seats_line(org.seats)}", blocks=blocks)


def members_page(
    page: schemas.MemberPageOut,
    *,
    now: datetime,
    show_activity: bool,
    role: Role | None,
    query: str | None,
) -> Message:
    title = f"{role.value.title()}s" if role else "Members"
    if query:
        title += f" matching “{query}”"
    lines = [_member_line(m, now, show_activity) for m in page.members]
    first, last = page.offset + 1, page.offset + len(page.members)
    blocks = [
        header(f"{title} ({page.total})"),
        *(text_sections(lines) if lines else [section("Nobody matches that.")]),
    ]
    footer: list[Block] = []
    if page.total:
        footer.append(context(f"Showing {first}–{last} of {page.total}"))
    pager = []
    if page.offset > 0:
        previous = MembersPage(role=role, query=query or None, offset=max(0, page.offset - page.limit))
        pager.append(button("← Previous", f"{ActionId.MEMBERS_PAGE}:prev", value=encode(previous)))
    if last < page.total:
        following = MembersPage(role=role, query=query or None, offset=last)
        pager.append(button("Next →", f"{ActionId.MEMBERS_PAGE}:next", value=encode(following)))
    if pager:
        footer.append(actions(*pager, block_id=BlockId.MEMBERS_PAGER))
    return Message(text=f"{title}: {page.total}", blocks=blocks, footer=footer)


def _member_line(member: schemas.MemberOut, now: datetime, show_activity: bool) -> str:
    line = f"*{member.name}* · {member.email} · {member.role.value}"
    if member.status is MemberStatus.INVITED:
        line += " · _invited_"
    if show_activity:
        line += f" · active {fmt.ago(member.last_activity_at, now)}"
    return line
