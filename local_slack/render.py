"""Block Kit as HTML, the way Slack shows it: messages, App Home and modals, for `make demo` and the playground.

Every interactive element carries data-type, data-block-id and data-action-id, so the playground's page
can turn a click or an entry into the block_actions payload Slack would send.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

EMOJI = {
    ":warning:": "⚠️",
    ":white_check_mark:": "✅",
    ":heavy_check_mark:": "✔️",
    ":x:": "❌",
    ":no_entry:": "⛔",
    ":bell:": "🔔",
    ":chart_with_upwards_trend:": "📈",
    ":chart_with_downwards_trend:": "📉",
    ":bar_chart:": "📊",
    ":moneybag:": "💰",
    ":money_with_wings:": "💸",
    ":credit_card:": "💳",
    ":hourglass:": "⌛",
    ":hourglass_flowing_sand:": "⏳",
    ":tada:": "🎉",
    ":wave:": "👋",
    ":seat:": "💺",
    ":busts_in_silhouette:": "👥",
    ":bust_in_silhouette:": "👤",
    ":lock:": "🔒",
    ":key:": "🔑",
    ":zzz:": "💤",
    ":information_source:": "ℹ️",
    ":rotating_light:": "🚨",
    ":mag:": "🔍",
    ":calendar:": "📅",
    ":email:": "📧",
    ":inbox_tray:": "📥",
    ":page_facing_up:": "📄",
    ":robot_face:": "🤖",
    ":sparkles:": "✨",
    ":fire:": "🔥",
    ":thumbsup:": "👍",
    ":+1:": "👍",
    ":arrow_up:": "⬆️",
    ":arrow_down:": "⬇️",
    ":small_red_triangle:": "🔺",
    ":small_red_triangle_down:": "🔻",
    ":hourglass_done:": "⌛",
}

# Elements whose value Slack keeps in a view's (or message's) state.values; buttons and overflow menus
# only send block_actions.
STATEFUL_ELEMENTS = frozenset(
    {
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "static_select",
        "external_select",
        "multi_static_select",
        "multi_external_select",
        "checkboxes",
        "radio_buttons",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "users_select",
        "multi_users_select",
        "datepicker",
        "timepicker",
        "datetimepicker",
    }
)


@dataclass(frozen=True)
class RenderContext:
    """What Slack knows around the blocks: names, conversations to pick from, uploaded files, errors."""

    user_names: Mapping[str, str] = field(default_factory=dict)
    conversations: Sequence[tuple[str, str]] = ()  # (id, "#name" or a person's name) for conversation menus
    users: Sequence[tuple[str, str]] = ()  # (id, name) for user menus
    current_conversation: str | None = None
    errors: Mapping[str, str] = field(default_factory=dict)  # block_id → inline error (response_action errors)
    file_url: Callable[[str], str] | None = None  # Slack file id → where the page can load it


PLAIN = RenderContext()
LINK_SCHEMES = ("https://", "http://", "mailto:")


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def mrkdwn(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack's mrkdwn: *bold*, _italic_, ~strike~, `code`, ```blocks```, <url|label>, <@user>, <#channel|name>,
    <!here>, > quotes, :emoji: and newlines. Nothing inside code is formatted."""
    codes: list[str] = []

    def keep(rendered: str) -> str:
        codes.append(rendered)
        return f"\x00{len(codes) - 1}\x00"

    out = html.escape(text)  # quotes too: a link's URL becomes an attribute
    out = re.sub(r"```\n?(.+?)```", lambda m: keep(f"<pre>{m.group(1)}</pre>"), out, flags=re.S)
    out = re.sub(r"`([^`\n]+)`", lambda m: keep(f"<code>{m.group(1)}</code>"), out)
    for code, char in EMOJI.items():
        out = out.replace(code, char)
    out = re.sub(
        r"&lt;((?:https?|mailto):(?:(?!&gt;)[^|])+)\|((?:(?!&gt;).)+)&gt;",
        lambda m: keep(f'<a href="{m.group(1)}">{m.group(2)}</a>'),
        out,
    )
    out = re.sub(
        r"&lt;((?:https?|mailto):(?:(?!&gt;).)+)&gt;", lambda m: keep(f'<a href="{m.group(1)}">{m.group(1)}</a>'), out
    )
    out = re.sub(
        r"&lt;@(\w+)(?:\|((?:(?!&gt;).)+))?&gt;",
        lambda m: keep(
            f'<span class="mention">@{html.escape((names or {}).get(m.group(1), m.group(2) or m.group(1)))}</span>'
        ),
        out,
    )
    out = re.sub(
        r"&lt;#(\w+)(?:\|((?:(?!&gt;).)*))?&gt;",
        lambda m: keep(f'<span class="mention">#{m.group(2) or m.group(1)}</span>'),
        out,
    )
    out = re.sub(
        r"&lt;!(here|channel|everyone)&gt;", lambda m: keep(f'<span class="mention">@{m.group(1)}</span>'), out
    )
    # Slack shows a date in each reader's zone; the page shows its fallback (UTC)
    out = re.sub(r"&lt;!date\^[^|]*\|((?:(?!&gt;).)+)&gt;", r'<span class="date">\1</span>', out)
    out = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", out)
    out = re.sub(r"(?<![\w~])~([^~\n]+)~(?![\w~])", r"<s>\1</s>", out)
    out = re.sub(r"(?m)^&gt; ?(.*)$", r'<span class="quote">\1</span>', out)
    out = out.replace("\n", "<br>")
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], out)


def plain(obj: Mapping[str, Any] | None) -> str:
    """A plain_text object as HTML (emoji shortcodes shown, nothing else formatted)."""
    if not obj:
        return ""
    out = html.escape(str(obj.get("text", "")), quote=False)
    for code, char in EMOJI.items():
        out = out.replace(code, char)
    return out


def text_of(obj: Mapping[str, Any] | None, ctx: RenderContext = PLAIN) -> str:
    if not obj:
        return ""
    return mrkdwn(str(obj["text"]), ctx.user_names) if obj.get("type") == "mrkdwn" else plain(obj)


def _ids(element: Mapping[str, Any], block_id: str, kind: str) -> str:
    return (
        f'data-type="{_attr(kind)}" data-block-id="{_attr(block_id)}" '
        f'data-action-id="{_attr(element.get("action_id", ""))}"'
    )


def _dispatch(element: Mapping[str, Any], dispatch: bool) -> str:
    """How an input element in an input block sends block_actions (dispatch_action), as Slack's defaults."""
    if not dispatch:
        return ""
    triggers = (element.get("dispatch_action_config") or {}).get("trigger_actions_on") or ["on_enter_pressed"]
    return f' data-dispatch="{_attr(" ".join(triggers))}"'


def _options(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found += group.get("options") or []
    return found


def _option_tags(element: Mapping[str, Any], selected: Sequence[str]) -> str:
    def tag(option: Mapping[str, Any]) -> str:
        chosen = " selected" if option.get("value") in selected else ""
        return f'<option value="{_attr(option.get("value", ""))}"{chosen}>{plain(option.get("text"))}</option>'

    if element.get("option_groups"):
        return "".join(
            f'<optgroup label="{_attr((group.get("label") or {}).get("text", ""))}">'
            + "".join(tag(o) for o in group.get("options") or [])
            + "</optgroup>"
            for group in element["option_groups"]
        )
    return "".join(tag(o) for o in element.get("options") or [])


def _placeholder(element: Mapping[str, Any], fallback: str = "Select an item") -> str:
    return html.escape((element.get("placeholder") or {}).get("text") or fallback)


def _confirm(element: Mapping[str, Any]) -> str:
    confirm = element.get("confirm")
    if not confirm:
        return ""
    dialog = {
        "title": (confirm.get("title") or {}).get("text", "Are you sure?"),
        "text": text_of(confirm.get("text")),
        "confirm": (confirm.get("confirm") or {}).get("text", "Yes"),
        "deny": (confirm.get("deny") or {}).get("text", "Cancel"),
        "style": confirm.get("style", ""),
    }
    return f' data-confirm="{_attr(json.dumps(dialog))}"'


def render_button(element: Mapping[str, Any], block_id: str = "") -> str:
    style = f" {element['style']}" if element.get("style") else ""
    label = plain(element["text"])
    ids = _ids(element, block_id, "button") + f' data-value="{_attr(element.get("value", ""))}"' + _confirm(element)
    if str(element.get("url", "")).startswith(LINK_SCHEMES):
        href = _attr(element["url"])
        return f'<a class="button{style}" href="{href}" target="_blank" rel="noopener" {ids}>{label} ↗</a>'
    return f'<button type="button" class="button{style}" {ids}>{label}</button>'


def _image_element(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    source, alt = _attr(image_source(element, ctx)), _attr(element.get("alt_text", ""))
    return f'<img class="inline-image" src="{source}" alt="{alt}">'


def _text_element(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    return f"<span>{text_of(element, ctx)}</span>"


def _overflow(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    items = "".join(
        f'<button type="button" class="overflow-option" data-value="{_attr(o.get("value", ""))}"'
        + (f' data-url="{_attr(o["url"])}"' if o.get("url") else "")
        + f">{plain(o.get('text'))}</button>"
        for o in element.get("options") or []
    )
    return (
        f'<span class="overflow" {ids}{_confirm(element)}><button type="button" class="overflow-toggle" '
        f'aria-label="More actions">⋯</button><span class="overflow-menu">{items}</span></span>'
    )


def _select(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    chosen = [(element.get("initial_option") or {}).get("value", "")]
    return (
        f'<select class="select" {ids}{_confirm(element)}{dispatch}>'
        f'<option value="">{_placeholder(element)}</option>{_option_tags(element, chosen)}</select>'
    )


def _multi_select(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    chosen = [o.get("value", "") for o in element.get("initial_options") or []]
    return f'<select class="select" multiple {ids}{dispatch}>{_option_tags(element, chosen)}</select>'


def _choices(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    box = "checkbox" if element.get("type") == "checkboxes" else "radio"
    initial = element.get("initial_options") or ([element["initial_option"]] if element.get("initial_option") else [])
    chosen = {o.get("value") for o in initial}
    name = _attr(f"{ids}")  # radio buttons of one element form one group
    choices = "".join(
        f'<label class="choice"><input type="{box}" name="{name}" value="{_attr(o.get("value", ""))}"'
        + (" checked" if o.get("value") in chosen else "")
        + f"> <span>{text_of(o.get('text'), ctx)}"
        + (f"<br><small>{text_of(o['description'], ctx)}</small>" if o.get("description") else "")
        + "</span></label>"
        for o in element.get("options") or []
    )
    return f'<span class="choices" {ids}{dispatch}>{choices}</span>'


TEXT_INPUT_TYPES = {
    "plain_text_input": "text",
    "number_input": "number",
    "email_text_input": "email",
    "url_text_input": "url",
}
LIMIT_ATTRIBUTES = (
    ("max_length", "maxlength"),
    ("min_length", "minlength"),
    ("min_value", "min"),
    ("max_value", "max"),
)


def _text_input(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    kind = element.get("type", "")
    limits = "".join(
        f' {name}="{_attr(element[key])}"' for key, name in LIMIT_ATTRIBUTES if element.get(key) is not None
    )
    common = f'class="text-input" {ids}{limits}{dispatch} placeholder="{_placeholder(element, "")}"'
    initial = _attr(element.get("initial_value") or "")
    if kind == "plain_text_input" and element.get("multiline"):
        return f"<textarea {common} rows=4>{initial}</textarea>"
    step = ' step="any"' if element.get("is_decimal_allowed") else ' step="1"' if kind == "number_input" else ""
    return f'<input type="{TEXT_INPUT_TYPES[kind]}"{step} {common} value="{initial}">'


def _conversation_or_user(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    kind = element.get("type", "")
    known = list(ctx.users if kind == "users_select" else ctx.conversations)
    if kind == "channels_select":
        known = [c for c in known if c[0].startswith("C")]
    initial_key = {"conversations_select": "initial_conversation", "channels_select": "initial_channel"}
    chosen = element.get(initial_key.get(kind, "initial_user")) or (
        ctx.current_conversation if element.get("default_to_current_conversation") else None
    )
    options = "".join(
        f'<option value="{_attr(i)}"{" selected" if i == chosen else ""}>{html.escape(label)}</option>'
        for i, label in known
    )
    return f'<select class="select" {ids}{dispatch}><option value="">{_placeholder(element)}</option>{options}</select>'


def _date_or_time(element: Mapping[str, Any], ids: str, ctx: RenderContext, dispatch: str) -> str:
    is_date = element.get("type") == "datepicker"
    initial = _attr(element.get("initial_date" if is_date else "initial_time") or "")
    return f'<input type="{"date" if is_date else "time"}" class="text-input" {ids}{dispatch} value="{initial}">'


ELEMENTS: dict[str, Callable[[Mapping[str, Any], str, RenderContext, str], str]] = {
    "image": _image_element,
    "plain_text": _text_element,
    "mrkdwn": _text_element,
    "overflow": _overflow,
    "static_select": _select,
    "external_select": _select,
    "multi_static_select": _multi_select,
    "multi_external_select": _multi_select,
    "checkboxes": _choices,
    "radio_buttons": _choices,
    **{kind: _text_input for kind in TEXT_INPUT_TYPES},
    "conversations_select": _conversation_or_user,
    "channels_select": _conversation_or_user,
    "users_select": _conversation_or_user,
    "datepicker": _date_or_time,
    "timepicker": _date_or_time,
}


def render_element(
    element: Mapping[str, Any], block_id: str, ctx: RenderContext = PLAIN, *, dispatch: bool = False
) -> str:
    """One element of an actions, section (accessory), context or input block."""
    kind = element.get("type", "")
    if kind == "button":
        return render_button(element, block_id)
    renderer = ELEMENTS.get(kind)
    if renderer is None:
        return f'<code class="unsupported">{html.escape(kind)}</code>'
    return renderer(element, _ids(element, block_id, kind), ctx, _dispatch(element, dispatch))


def _rich_text(block: Mapping[str, Any], ctx: RenderContext) -> str:
    def inline(items: Sequence[Mapping[str, Any]]) -> str:
        out = []
        for item in items:
            kind = item.get("type")
            if kind == "text":
                piece = html.escape(item.get("text", ""), quote=False).replace("\n", "<br>")
                style = item.get("style") or {}
                for flag, tag in (("bold", "b"), ("italic", "i"), ("strike", "s"), ("code", "code")):
                    if style.get(flag):
                        piece = f"<{tag}>{piece}</{tag}>"
                out.append(piece)
            elif kind == "link":
                out.append(
                    f'<a href="{_attr(item.get("url", ""))}">{html.escape(item.get("text") or item.get("url", ""))}</a>'
                )
            elif kind == "user":
                name = ctx.user_names.get(item.get("user_id", ""), item.get("user_id", ""))
                out.append(f'<span class="mention">@{html.escape(name)}</span>')
            elif kind == "emoji":
                out.append(EMOJI.get(f":{item.get('name')}:", f":{html.escape(item.get('name', ''))}:"))
        return "".join(out)

    parts = []
    for element in block.get("elements") or []:
        kind = element.get("type")
        if kind == "rich_text_section":
            parts.append(f"<div>{inline(element.get('elements') or [])}</div>")
        elif kind == "rich_text_list":
            tag = "ol" if element.get("style") == "ordered" else "ul"
            items = "".join(f"<li>{inline(i.get('elements') or [])}</li>" for i in element.get("elements") or [])
            parts.append(f"<{tag}>{items}</{tag}>")
        elif kind == "rich_text_preformatted":
            parts.append(f"<pre>{inline(element.get('elements') or [])}</pre>")
        elif kind == "rich_text_quote":
            parts.append(f'<div class="quote">{inline(element.get("elements") or [])}</div>')
    return '<div class="rich-text">' + "".join(parts) + "</div>"


def image_source(obj: Mapping[str, Any], ctx: RenderContext) -> str:
    """An image block's or element's source: its URL, or an uploaded Slack file."""
    if obj.get("image_url"):
        return str(obj["image_url"])
    slack_file = obj.get("slack_file") or {}
    if slack_file.get("id") and ctx.file_url:
        return ctx.file_url(str(slack_file["id"]))
    return str(slack_file.get("url", ""))


def render_block(block: Mapping[str, Any], ctx: RenderContext = PLAIN) -> str:
    kind = block["type"]
    block_id = str(block.get("block_id", ""))
    if kind == "header":
        return f"<h3>{text_of(block['text'], ctx)}</h3>"
    if kind == "divider":
        return "<hr>"
    if kind == "context":
        return (
            '<div class="context">'
            + " · ".join(render_element(e, block_id, ctx) for e in block.get("elements") or [])
            + "</div>"
        )
    if kind == "image":
        title = f"<figcaption>{plain(block['title'])}</figcaption>" if block.get("title") else ""
        return (
            f'<figure class="image">{title}<img src="{_attr(image_source(block, ctx))}" '
            f'alt="{_attr(block.get("alt_text", ""))}"></figure>'
        )
    if kind == "actions":
        elements = "".join(render_element(e, block_id, ctx) for e in block.get("elements") or [])
        return f'<div class="actions" data-block-id="{_attr(block_id)}">{elements}</div>'
    if kind == "section":
        parts = [f'<div class="text">{text_of(block.get("text"), ctx)}</div>'] if block.get("text") else []
        if block.get("fields"):
            parts.append(
                '<div class="fields">' + "".join(f"<div>{text_of(f, ctx)}</div>" for f in block["fields"]) + "</div>"
            )
        accessory = block.get("accessory")
        if accessory:
            parts.append(f'<div class="accessory">{render_element(accessory, block_id, ctx)}</div>')
        return f'<div class="section" data-block-id="{_attr(block_id)}">' + "".join(parts) + "</div>"
    if kind == "input":
        optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
        hint = f'<div class="hint">{plain(block["hint"])}</div>' if block.get("hint") else ""
        error = ctx.errors.get(block_id)
        shown_error = f'<div class="error" role="alert">{html.escape(error)}</div>' if error else ""
        element = render_element(block["element"], block_id, ctx, dispatch=bool(block.get("dispatch_action")))
        return (
            f'<div class="input-block{" has-error" if error else ""}" data-block-id="{_attr(block_id)}">'
            f"<label>{plain(block.get('label'))}{optional}</label>{element}{hint}{shown_error}</div>"
        )
    if kind == "rich_text":
        return _rich_text(block, ctx)
    if kind == "markdown":
        return (
            f'<div class="section"><div class="text">{mrkdwn(str(block.get("text", "")), ctx.user_names)}</div></div>'
        )
    return f"<pre>{html.escape(json.dumps(block))}</pre>"


def render_blocks(blocks: Sequence[Mapping[str, Any]], ctx: RenderContext = PLAIN) -> str:
    return "".join(render_block(b, ctx) for b in blocks)


def message_body(message: Mapping[str, Any], ctx: RenderContext = PLAIN) -> str:
    """A message's blocks, or its text when it has none (as Slack shows a blocks-less message)."""
    blocks = message.get("blocks") or []
    if blocks:
        return render_blocks(blocks, ctx)
    return f'<div class="section"><div class="text">{mrkdwn(str(message.get("text", "")), ctx.user_names)}</div></div>'


BLOCKS_CSS = (resources.files("local_slack") / "static" / "blocks.css").read_text(encoding="utf-8")
