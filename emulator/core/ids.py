"""What a SubAppId is: one definition for the Cloud API, the admin API and the Python API.

A SubAppId names one application; ``None`` stands for the account's default application
(no SubAppId sent). A valid one is a positive integer that fits the Cloud API's 64-bit
Integer, so every application the admin API can name, the Cloud API can reach too.
"""

from __future__ import annotations

from typing import Literal

from ..base.numeric import is_integer

SubAppId = int | None

DEFAULT_APP_NAME = "default"
"""How text (a path, a query, a command line, a JSON field) names the default application."""

AnyApp = Literal["any"]
ANY_APP: AnyApp = "any"
"""A filter naming no application: it matches every one (``None`` is the default one)."""

AppFilter = SubAppId | AnyApp
"""One application, or (``ANY_APP``) every one."""

MIN_SUB_APP_ID = 1
MAX_SUB_APP_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_SUB_APP_ID))


class InvalidSubAppId(ValueError):
    """Not a valid SubAppId; the message says why (each API answers it in its own format)."""


def check_sub_app_id(value: object) -> int:
    """A SubAppId given as a JSON number: an integer (not a boolean) in range."""
    if not is_integer(value):
        raise InvalidSubAppId("SubAppId must be an integer")
    if not MIN_SUB_APP_ID <= value <= MAX_SUB_APP_ID:
        raise InvalidSubAppId(
            f"SubAppId must be between {MIN_SUB_APP_ID} and {MAX_SUB_APP_ID}"
        )
    return value


def parse_sub_app_id(text: str) -> int:
    """A SubAppId given as text (a query, a form field, a path): plain ASCII decimal
    digits without a sign or leading zeros, in range."""
    # Checked before int(): no non-ASCII digits ("٣"), and no 4,301-digit conversions.
    if not (0 < len(text) <= _MAX_DIGITS and text.isascii() and text.isdigit()) or (
        text[0] == "0"
    ):
        raise InvalidSubAppId(
            f"SubAppId must be written as a decimal integer between {MIN_SUB_APP_ID} "
            f"and {MAX_SUB_APP_ID}"
        )
    return check_sub_app_id(int(text))


def names_default_app(value: object) -> bool:
    """Whether a JSON value names the default application: null or "default"."""
    return value is None or value == DEFAULT_APP_NAME


def app_from_json(value: object) -> SubAppId:
    """A SubAppId given in JSON or a path: null or "default" for the default application,
    an integer, or an integer's text."""
    if names_default_app(value):
        return None
    return parse_sub_app_id(value) if isinstance(value, str) else check_sub_app_id(value)


def app_text(sub_app_id: SubAppId) -> str:
    """An application as text names it (a path, a query, a command line's output)."""
    return DEFAULT_APP_NAME if sub_app_id is None else str(sub_app_id)
