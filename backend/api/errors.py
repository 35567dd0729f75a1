"""Every refusal as one JSON shape ({"error": {code, message, details}}): domain errors, validation,
database conflicts, and the status each maps to."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.services.errors import DomainError
from kilo_api import schemas

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal that belongs to HTTP itself (authentication, signed links), not to a domain rule."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message = status_code, code, message


def error_response(
    status_code: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> JSONResponse:
    body = schemas.ErrorOut(error=schemas.ErrorBody(code=code, message=message, details=details))
    return JSONResponse(status_code=status_code, content=body.model_dump(mode="json", exclude_none=True))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors()[:20]
        ]
        first = details[0] if details else {"location": "body", "message": "invalid"}
        return error_response(422, "invalid", f"{first['location']}: {first['message']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, "http_error", str(exc.detail))

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
