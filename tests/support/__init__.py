"""Helpers for the tests: a private redis-server, peer processes, polling with a deadline."""
