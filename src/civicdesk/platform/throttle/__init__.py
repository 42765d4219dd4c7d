"""Counting requests and failed sign-ins in the database, so every web process shares one count."""
