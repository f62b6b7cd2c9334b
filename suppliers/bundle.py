"""Placeholder until this package's issue lands: registers nothing yet."""

from flask import Flask


def init_app(app: Flask) -> None:
    return None
