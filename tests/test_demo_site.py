"""`make demo`: the page shows every command's real answer and the App Home."""

from __future__ import annotations

from scripts.demo_site import COMMANDS, collect, render


def test_demo_page_renders_every_answer_from_the_real_bot():
    shots = collect(seed_events=3_000)
    assert len(shots) == len(COMMANDS) + 2
    page = render(shots)
    by_title = {(s.title, s.who): s for s in shots}
    assert by_title[("/kilo usage", "owner")].payload["blocks"][0]["text"]["text"].startswith("AI spend: $")
    assert by_title[("/kilo usage public", "member")].payload["response_type"] == "in_channel"
    assert "Only Owners and Admins can see billing." in str(by_title[("/kilo billing", "member")].payload)
    assert "You're not a member of" in str(by_title[("/kilo usage", "stranger")].payload)
    assert page.count('<section class="card">') == len(shots)
    assert "Download PDF ↗" in page and "Buy credits ↗" in page and "<h3>Acme Robotics · Kilo for Teams</h3>" in page
    assert ".message .button.primary" in page  # the Block Kit styles shared with the playground
