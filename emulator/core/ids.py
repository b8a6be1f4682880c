"""What a SubAppId is: one definition for the Cloud API, the admin API and the Python API.

A SubAppId names one application; ``None`` stands for the account's default application
(no SubAppId sent). A valid one is a positive integer that fits the Cloud API's 64-bit
Integer, so every application the admin API can name, the Cloud API can reach too.
"""

from __future__ import annotations

SubAppId = int | None

MIN_SUB_APP_ID = 1
MAX_SUB_APP_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_SUB_APP_ID))


class InvalidSubAppId(ValueError):
    """Not a valid SubAppId; the message says why (each API answers it in its own format)."""


def check_sub_app_id(value: object) -> int:
    """A SubAppId given as a JSON number: an integer (not a boolean) in range."""
    if isinstance(value, bool) or not isinstance(value, int):
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
