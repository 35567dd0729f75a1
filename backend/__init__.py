"""The reference Kilo for Teams backend: organizations, usage, credits, subscriptions, billing."""
