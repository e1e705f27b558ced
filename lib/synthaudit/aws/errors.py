"""Turn AWS errors into assessment states: access denied, not enabled, not supported.

A collector or check that hits one of these records NOT_ASSESSED with the reason;
it never crashes the phase and never passes silently. The simulated estate answers
unimplemented calls with an HTML 404/500, which lands in "not_supported".
"""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    UnknownServiceError,
)

ACCESS_DENIED_CODES = {
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
    "AuthorizationError", "AuthFailure", "Forbidden", "403", "InvalidClientTokenId",
    "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
}
NOT_ENABLED_CODES = {
    "AWSOrganizationsNotInUseException", "OptInRequired", "SubscriptionRequiredException",
    "NoSuchConfigurationRecorderException", "TrailNotFoundException", "InvalidAccessException",
    "AccessDeniedForDependencyException",
}
NOT_SUPPORTED_CODES = {"404", "500", "501", "NotImplemented", "InvalidAction", "UnknownOperationException"}


@dataclass(frozen=True)
class AssessmentGap:
    """Why something could not be assessed; ``status`` is access_denied | not_enabled | not_supported | error."""

    status: str
    error: str

    @property
    def reason(self) -> str:
        return f"{self.status.replace('_', ' ')}: {self.error}"


HTML_ANSWER = "the endpoint answered with an HTML error page: it does not implement this call"


def _is_html(text: str) -> bool:
    lowered = text.lower()
    return "<!doctype html" in lowered or "<html" in lowered


def classify_error(exc: BaseException) -> AssessmentGap:
    """Map an exception from a read call to why the resource was not assessed."""
    if _is_html(str(exc)) or (isinstance(exc, ClientError) and _is_html(str(exc.response.get("Error", {}).get("Message", "")))):
        status_code = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "") if isinstance(exc, ClientError) else ""
        return AssessmentGap("not_supported", f"HTTP {status_code or '?'}: {HTML_ANSWER}")
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        message = str(err.get("Message", ""))[:300]
        status_code = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        text = f"{code}: {message}".strip(": ")
        if code in ACCESS_DENIED_CODES or "AccessDenied" in code or "not authorized" in message.lower():
            return AssessmentGap("access_denied", text)
        if code in NOT_ENABLED_CODES:
            return AssessmentGap("not_enabled", text)
        if code in NOT_SUPPORTED_CODES or status_code in {"404", "500", "501"} and not code[:1].isalpha():
            return AssessmentGap("not_supported", text or f"HTTP {status_code}")
        if "not yet implemented" in message.lower() or "not implemented" in message.lower():
            return AssessmentGap("not_supported", text[:200])
        return AssessmentGap("error", text)
    if isinstance(exc, (NotImplementedError, UnknownServiceError)):
        return AssessmentGap("not_supported", f"{type(exc).__name__}: {exc}"[:300])
    if isinstance(exc, NoCredentialsError):
        return AssessmentGap("access_denied", "no credentials")
    if isinstance(exc, EndpointConnectionError):
        return AssessmentGap("not_enabled", str(exc)[:300])
    if isinstance(exc, BotoCoreError):
        # e.g. an HTML body where XML/JSON was expected: the endpoint does not implement it
        return AssessmentGap("not_supported", f"{type(exc).__name__}: {exc}"[:300])
    return AssessmentGap("error", f"{type(exc).__name__}: {exc}"[:300])
