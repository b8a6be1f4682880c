"""Service errors, one class per Cloud API 3.0 error code, with the real code string: the
base class and the errors the domain raises (the protocol's own are in cloudapi/errors.py).

The domain raises these; the protocol layer turns any of them into the real error
envelope (HTTP 200, ``{"Response": {"Error": {...}, "RequestId": ...}}``). Last, the two
refusals that are the emulator's own, not the service's (an emit cut short, an id that
names nothing kept): the admin API answers them 409 and 404.
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


class InvalidParameterValue(ServiceError):
    code = "InvalidParameterValue"


class InvalidParameterValueFileId(ServiceError):
    code = "InvalidParameterValue.FileId"  # the SDK's errorcodes.py: "FileId 不存在"


class InvalidParameterValueFileIdsEmpty(ServiceError):
    code = "InvalidParameterValue.FileIdsEmpty"


class InvalidParameterValueFileIdsTooMany(ServiceError):
    code = "InvalidParameterValue.FileIdsTooMany"


class InvalidParameterValueOf(ServiceError):
    """InvalidParameterValue.<suffix>: the sub-codes the media and task actions answer
    (each in the SDK's errorcodes.py), one class for the family."""

    def __init__(self, suffix: str, message: str) -> None:
        if suffix not in MEDIA_PARAMETER_CODES:
            raise ValueError(f"not a code of the SDK's list: {suffix}")
        super().__init__(message)
        self.code = f"InvalidParameterValue.{suffix}"


MEDIA_PARAMETER_CODES = (
    "Name", "Description", "ClassId", "ExpireTime", "CoverType", "TagTooLong", "Tags",
    "AddTagsAndDeleteTagsConflict", "AddTagsAndClearTagsConflict", "FileIds", "Names",
    "NamePrefixes", "ClassIds", "Categories", "SourceTypes", "StreamIds", "MediaType",
    "Status", "StorageRegions", "Sort", "Offset", "Limit", "LimitTooLarge", "OffsetTooLarge",
    "SessionId", "SessionIdTooLong", "SessionContextTooLong", "TaskId", "VodSessionKey",
    "MediaUrl", "Url", "RestoreDay", "RestoreTier", "UnsupportedRestoreTier", "NotRestorable",
)
"""The suffixes ``InvalidParameterValueOf`` takes (errorcodes.py's
INVALIDPARAMETERVALUE_* names them)."""


class InternalError(ServiceError):
    code = "InternalError"


class InjectedError(ServiceError):
    """The error a fault rule answers with: any code the rule names."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class EmitInterrupted(RuntimeError):
    """The emulator was reset or stopped while an emit (or a long search) was under way."""


class NotFound(LookupError):
    """No such thing: the id asked for (a fault rule's, an event's) names nothing kept."""
