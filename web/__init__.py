"""The organiser console and JSON API."""
