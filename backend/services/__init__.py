"""Domain rules of the Teams backend; nothing here knows of HTTP or Slack."""
