"""`make demo`: the page shows every command's real answer and the App Home."""

from __future__ import annotations

from scripts.demo_modals import MEMBER_MENU_CHOICES, MODAL_COMMANDS
from scripts.demo_site import COMMANDS, collect, render


def test_demo_page_renders_every_answer_from_the_real_bot():
    shots = collect(seed_events=3_000)
    admin_shots = len(MODAL_COMMANDS) + len(MEMBER_MENU_CHOICES) + 2
    seat_shot_count = 14
    # every command, the digest and the alert in #ai-spend, the App Home twice, the admin modals, the seat flows
    assert len(shots) == len(COMMANDS) + 2 + 2 + admin_shots + seat_shot_count
    seat_shots = {s.title: s for s in shots[len(COMMANDS) + 4 + admin_shots :]}
    assert len(seat_shots) == seat_shot_count
    page = render(shots)
    by_title = {(s.title, s.who): s for s in shots}
    assert by_title[("/kilo usage", "owner")].payload["blocks"][0]["text"]["text"].startswith("AI spend: $")
    assert by_title[("/kilo usage public", "member")].payload["response_type"] == "in_channel"
    assert "Only Owners and Admins can see billing." in str(by_title[("/kilo billing", "member")].payload)
    assert "You're not a member of" in str(by_title[("/kilo usage", "stranger")].payload)
    assert page.count('<section class="card">') == len(shots)
    assert "Asking Kilo for the current price" in str(seat_shots["/kilo seats add 2 — opened at once"].payload)
    assert "Seats:* 46 → 48" in str(seat_shots["/kilo seats add 2 — Kilo's price"].payload)
    assert "Seats:* 46 → 51" in str(seat_shots["Add seats — typed 5: the preview follows"].payload)
    for state in ("approved (every copy edited)", "denied", "expired after 72 hours"):
        assert "actions" not in str(seat_shots[f"Seat request — {state}"].payload)
    assert "Approve" in str(seat_shots["Seat request — pending (DM to each Owner and Admin)"].payload)
    assert "Withdraw" in str(seat_shots["Seat request — the requester's DM"].payload)
    assert "Approve and charge" in page and '<span class="date">' in page
    assert "Download PDF ↗" in page and "Buy credits ↗" in page and "<h3>Acme Robotics · Kilo for Teams</h3>" in page
    modals = {s.title: s for s in shots if s.kind == "modal"}
    assert modals["/kilo invite ana@example.com admin"].payload["callback_id"] == "kilo_invite"
    assert "To cancel, type the organization's name: *Acme Robotics*" in str(
        modals["/kilo subscription cancel → Continue"].payload
    )
    assert "✅ Bought *$50.00* of credits" in str(modals["/kilo credits buy 50 → Buy credits"].payload)
    assert 'value="ana@example.com"' in page and "checked> <span>Billed yearly" in page and "⋯" in page
    assert ".message .button.primary" in page  # the Block Kit styles shared with the playground


def test_demo_page_shows_a_digest_with_its_charts_and_an_alert():
    shots = collect(seed_events=3_000)
    by_title = {s.title: s for s in shots}
    digest = by_title["The weekly digest in #ai-spend"]
    assert digest.payload["blocks"][0]["text"]["text"] == "AI spend · Acme Robotics"
    assert digest.charts is not None and [c.filename for c in digest.charts] == [
        "daily-spend.png",
        "model-share.png",
        "credit-balance.png",
    ]
    assert all(c.png.startswith(b"\x89PNG") and c.alt_text for c in digest.charts)
    alert = by_title["An alert in #ai-spend"]
    assert "Credits are below" in str(alert.payload) and "Buy credits" in str(alert.payload)
    trend = by_title["/kilo usage trend"]
    assert trend.charts and trend.charts[0].filename == "daily-spend.png"
    page = render(shots)
    assert page.count('src="charts/') == 4 and "In the thread:" in page
