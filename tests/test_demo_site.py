"""`make demo`: the page shows every command's real answer and the App Home."""

from __future__ import annotations

from scripts.demo_site import COMMANDS, collect, mrkdwn, render


def test_demo_page_renders_every_answer_from_the_real_bot():
    shots = collect(seed_events=3_000)
    assert len(shots) == len(COMMANDS) + 4  # the App Home twice, the digest in its channel, an alert
    page = render(shots)
    by_title = {(s.title, s.who): s for s in shots}
    assert by_title[("/kilo usage", "owner")].payload["blocks"][0]["text"]["text"].startswith("AI spend: $")
    assert by_title[("/kilo usage public", "member")].payload["response_type"] == "in_channel"
    assert "Only Owners and Admins can see billing." in str(by_title[("/kilo billing", "member")].payload)
    assert "You're not a member of" in str(by_title[("/kilo usage", "stranger")].payload)
    assert page.count('<section class="card">') == len(shots)
    assert "Download PDF ↗" in page and "Buy credits ↗" in page and "<h3>Acme Robotics · Kilo for Teams</h3>" in page


def test_mrkdwn_is_escaped_and_formatted():
    assert mrkdwn("*Spend*\n`a<b>` <https://x.y/z|link> <@U1>") == (
        '<b>Spend</b><br><code>a&lt;b&gt;</code> <a href="https://x.y/z">link</a> <span class="mention">@U1</span>'
    )


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
    assert page.count('class="chart"') == 4 and "In the thread:" in page
