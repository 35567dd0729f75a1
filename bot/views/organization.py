"""The organization: seats, members by role, data-collection policies, and the member directory."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, Option, OverflowMenuElement, SectionBlock

from bot import formatting as fmt
from bot.ids import ActionId, BlockId
from bot.interaction import MemberChange, MemberMenu, MembersPage, OrganizationButton, encode
from bot.views.blocks import Message, actions, button, context, header, section, text_sections
from kilo_api import schemas
from kilo_api.enums import MemberStatus, Role


def seats_line(seats: schemas.SeatUsageOut) -> str:
    return f"{seats.used:,} of {fmt.count(seats.total, 'seat')} used"


def organization(org: schemas.OrganizationOut, zone: ZoneInfo, *, can_manage: bool = False) -> Message:
    roles = org.members_by_role
    policies = org.policies
    blocks = [
        header(org.name),
        section(
            fields=[
                f"*Plan*\nKilo for Teams ({org.plan})",
                f"*Created*\n{fmt.local_date(org.created_at, zone)}",
                f"*Seats*\n{seats_line(org.seats)} ({org.seats.available} available)",
                f"*Members*\n{fmt.count(roles.get('owner', 0), 'owner')} · "
                f"{fmt.count(roles.get('admin', 0), 'admin')} · {fmt.count(roles.get('member', 0), 'member')}",
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
    if can_manage:
        value = encode(OrganizationButton(organization_id=org.id))
        blocks.append(
            actions(
                button("Change policies", ActionId.POLICIES_OPEN, value=value), block_id=BlockId.ORGANIZATION_ACTIONS
            )
        )
    return Message(text=f"{org.name}: {seats_line(org.seats)}", blocks=blocks)


def members_page(
    page: schemas.MemberPageOut,
    *,
    now: datetime,
    show_activity: bool,
    role: Role | None,
    query: str | None,
    managed_organization: str | None = None,
) -> Message:
    """`managed_organization`: the organization id when the reader is an Owner or Admin, who gets a menu
    on each row (role, daily limit, removal) and an Invite button."""
    title = f"{role.value.title()}s" if role else "Members"
    if query:
        title += f" matching “{query}”"
    lines = [_member_line(m, now, show_activity) for m in page.members]
    first, last = page.offset + 1, page.offset + len(page.members)
    rows: list[Block] = (
        [_managed_row(line, m, managed_organization) for line, m in zip(lines, page.members, strict=True)]
        if managed_organization
        else list(text_sections(lines))
    )
    blocks = [header(f"{title} ({page.total})"), *(rows if lines else [section("Nobody matches that.")])]
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
    if managed_organization and page.offset == 0:  # once, with the directory's first page
        invite = encode(OrganizationButton(organization_id=managed_organization))
        footer.append(actions(button("Invite", ActionId.INVITE_OPEN, value=invite), block_id=BlockId.MEMBERS_ACTIONS))
    return Message(text=f"{title}: {page.total}", blocks=blocks, footer=footer)


MEMBER_CHANGES: dict[MemberChange, str] = {"role": "Change role", "limit": "Set daily limit", "remove": "Remove"}


def _managed_row(line: str, member: schemas.MemberOut, organization_id: str) -> SectionBlock:
    if member.daily_limit_microdollars is not None:
        line += f" · limit {fmt.usd(member.daily_limit_microdollars)}/day"
    menu = OverflowMenuElement(
        action_id=ActionId.MEMBER_MENU,
        options=[
            Option(
                value=encode(MemberMenu(organization_id=organization_id, member_id=member.id, change=change)), text=text
            )
            for change, text in MEMBER_CHANGES.items()
        ],
    )
    return section(line, accessory=menu)


def _member_line(member: schemas.MemberOut, now: datetime, show_activity: bool) -> str:
    line = f"*{member.name}* · {member.email} · {member.role.value}"
    if member.status is MemberStatus.INVITED:
        line += " · _invited_"
    if show_activity:
        line += f" · active {fmt.ago(member.last_activity_at, now)}"
    return line
