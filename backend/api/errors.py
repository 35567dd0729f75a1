"""Every refusal as one JSON shape ({"error": {code, message, details}}): domain errors, validation,
database conflicts, and the status each maps to."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from backend.services.errors import DomainError
from kilo_api import schemas

logger = logging.getLogger(__name__)


# What each refusal means, for the OpenAPI document; every one has the ErrorOut body.
REFUSALS = {
    400: "Malformed request: a NUL character in the path, query or a header, or a body that cannot be read.",
    401: "The API key is missing, not sent as 'Authorization: Bearer <key>', wrong or revoked.",
    402: "The card on file declined the charge; nothing was charged or changed, and the idempotency key is unused.",
    403: "The acting member (X-Kilo-Actor) is not an active member, or their role may not do this.",
    404: "No such organization for this key, or no such member, invoice, subscription or payment method.",
    409: "The request conflicts with the current state (a rule, an idempotency key, or a concurrent change).",
    413: "The request body is over the size limit.",
    422: "A parameter or the body is invalid; the message names the first problem.",
    503: "The database is busy or unreachable; try again shortly.",
}
UNAUTHORIZED_MESSAGE = "Send the organization's API key as 'Authorization: Bearer <key>'."
# Codes of the refusals HTTP itself makes (no route, method, or body size).
HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the given refusal statuses."""
    return {status: {"model": schemas.ErrorOut, "description": REFUSALS[status]} for status in statuses}


class ApiError(Exception):
    """A refusal that belongs to HTTP itself (authentication, signed links), not to a domain rule."""

    def __init__(self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message, self.headers = status_code, code, message, headers


def unauthorized(message: str = UNAUTHORIZED_MESSAGE) -> ApiError:
    """A 401 with the challenge RFC 9110 asks for."""
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = schemas.ErrorOut(error=schemas.ErrorBody(code=code, message=message, details=details))
    return JSONResponse(
        status_code=status_code, content=body.model_dump(mode="json", exclude_none=True), headers=headers
    )


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path. FastAPI makes one route per method, so the Allow header
    Starlette puts on a 405 names only the first route's: ask each route about each method instead."""
    routes: list[BaseRoute] = request.app.router.routes
    return ", ".join(
        method
        for method in HTTP_METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors()[:20]
        ]
        first = details[0] if details else {"location": "body", "message": "invalid"}
        return error_response(422, "invalid", f"{first['location']}: {first['message']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, _exc: IntegrityError) -> JSONResponse:
        return error_response(409, "conflict", "The change conflicts with data stored at the same time; try again.")

    @app.exception_handler(OperationalError)
    async def database_busy(_request: Request, _exc: OperationalError) -> JSONResponse:
        return error_response(503, "unavailable", "The database is busy or unreachable; try again shortly.")

    @app.exception_handler(Exception)
    async def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal", "Something went wrong on the backend; it was logged.")
