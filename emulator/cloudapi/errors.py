"""The Cloud API errors only the protocol raises: about a request's form, its signature
and its parameters, never about the domain's state. Each is a ServiceError (core/errors.py,
with the errors the domain raises), so the endpoint answers it in the real envelope.
"""

from __future__ import annotations

from ..core.errors import ServiceError


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


class MissingParameter(ServiceError):
    code = "MissingParameter"


class UnknownParameter(ServiceError):
    code = "UnknownParameter"


class UnsupportedProtocol(ServiceError):
    code = "UnsupportedProtocol"


class RequestSizeLimitExceeded(ServiceError):
    code = "RequestSizeLimitExceeded"
