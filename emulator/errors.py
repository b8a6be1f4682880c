"""Service errors, one class per Cloud API 3.0 error code, with the real code string.

The domain raises these; the protocol layer turns any of them into the real error
envelope (HTTP 200, ``{"Response": {"Error": {...}, "RequestId": ...}}``).
"""

from __future__ import annotations

# Messages name the input they refuse; an input can be 10 MB.
MAX_MESSAGE_CHARS = 2048
SHOWN_VALUE_CHARS = 64


def safe_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, lone surrogates written as ``\\udcXX``: text
    that always encodes as UTF-8, whatever input it quotes."""
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def is_text(value: str) -> bool:
    """Whether ``value`` is valid Unicode text (encodable as UTF-8: no lone surrogate)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(value: str, limit: int = SHOWN_VALUE_CHARS) -> str:
    """An input value quoted for a message: escaped (``repr``) and cut."""
    cut = "…" if len(value) > limit else ""
    return repr(value[:limit]) + cut


class ServiceError(Exception):
    """An error the real service answers with an error envelope."""

    code = "InternalError"

    def __init__(self, message: str) -> None:
        message = safe_text(message)  # the envelope that carries it can then never fail
        super().__init__(message)
        self.message = message


class AuthFailureSecretIdNotFound(ServiceError):
    code = "AuthFailure.SecretIdNotFound"


class AuthFailureSignatureFailure(ServiceError):
    code = "AuthFailure.SignatureFailure"


class AuthFailureSignatureExpire(ServiceError):
    code = "AuthFailure.SignatureExpire"


class AuthFailureInvalidAuthorization(ServiceError):
    code = "AuthFailure.InvalidAuthorization"


class InvalidAction(ServiceError):
    code = "InvalidAction"


class NoSuchVersion(ServiceError):
    code = "NoSuchVersion"


class InvalidParameter(ServiceError):
    code = "InvalidParameter"


class InvalidParameterValue(ServiceError):
    code = "InvalidParameterValue"


class MissingParameter(ServiceError):
    code = "MissingParameter"


class UnknownParameter(ServiceError):
    code = "UnknownParameter"


class UnsupportedProtocol(ServiceError):
    code = "UnsupportedProtocol"


class RequestSizeLimitExceeded(ServiceError):
    code = "RequestSizeLimitExceeded"


class InternalError(ServiceError):
    code = "InternalError"
