"""The HTTP contract between kilo-bot and a Teams backend: enums and JSON bodies (pydantic)."""
