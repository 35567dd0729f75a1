"""Block Kit, built in one place: each function takes plain data and returns a Message or a view."""
