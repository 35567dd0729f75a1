"""kilo-bot: the Kilo for Teams dashboard in Slack."""
