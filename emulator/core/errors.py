"""Service errors, one class per Cloud API 3.0 error code, with the real code string.

The domain raises these; the protocol layer turns any of them into the real error
envelope (HTTP 200, ``{"Response": {"Error": {...}, "RequestId": ...}}``).
"""

from __future__ import annotations

from ..base.echo import safe_text


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


class InjectedError(ServiceError):
    """The error a fault rule answers with: any code the rule names."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
