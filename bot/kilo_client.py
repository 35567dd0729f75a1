"""Typed async client of a Kilo Teams backend (the kilo_api contract) over httpx.

Retries with exponential backoff only where a retry cannot double an effect: a connection that
never reached the server, or a 5xx / timeout on a read or on a write that carries an idempotency key.

Reads are coalesced and kept for a few seconds (`read_cache_seconds`): when fifty people of one team
ask at once they share one backend request. Any write through the client empties that cache.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from typing import Any, TypeVar, cast

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from kilo_api import schemas
from kilo_api.enums import BillingCycle, CreditKind, KnownClient, MemberStatus, Role

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")
ReadKey = tuple[str, str | None, tuple[tuple[str, str], ...], Callable[[bytes], object]]
MAX_CACHED_READS = 1_000
# Sent as X-Kilo-Client on every request: the backend records it with each change, so the audit log can tell
# what was done from Slack from what was done elsewhere.
CLIENT_NAME = KnownClient.SLACK_APP.value


class KiloError(Exception):
    """Base of the errors the Slack side turns into friendly messages."""

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code


class BackendUnavailable(KiloError):
    """Down, unreachable, too slow, or answering 5xx after the retries."""


class NotFound(KiloError):
    pass


class Forbidden(KiloError):
    """401 (wrong key) or 403 (the acting member may not do this)."""


class ValidationFailed(KiloError):
    """400, 413 or 422: the request was refused as invalid."""


class Conflict(KiloError):
    """409: the request clashes with the current state (seat limit, already a member, ...)."""


class PaymentDeclined(KiloError):
    """402: the card on file refused the charge; nothing was bought."""


_ERRORS_BY_STATUS: dict[int, type[KiloError]] = {
    400: ValidationFailed,
    401: Forbidden,
    402: PaymentDeclined,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: ValidationFailed,
    422: ValidationFailed,
}


class KiloClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 5.0,
        max_attempts: int = 3,
        backoff_seconds: float = 0.2,
        read_cache_seconds: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": CLIENT_NAME, "X-Kilo-Client": CLIENT_NAME},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            transport=transport,
        )
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._organization_id: str | None = None
        self._read_ttl = read_cache_seconds
        self._reads: dict[ReadKey, tuple[float, object]] = {}
        self._reads_in_flight: dict[ReadKey, asyncio.Future[object]] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> KiloClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    # --- transport ---------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        actor: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry_unsafe: bool = False,
    ) -> httpx.Response:
        headers = {"X-Kilo-Actor": actor} if actor else {}
        query = {k: v for k, v in (params or {}).items() if v is not None}
        safe_to_repeat = method == "GET" or retry_unsafe
        for attempt in range(1, self._max_attempts + 1):
            last = attempt == self._max_attempts
            try:
                response = await self._http.request(method, path, headers=headers, params=query, json=json)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if last:
                    raise BackendUnavailable(f"The Kilo backend cannot be reached ({type(exc).__name__}).") from exc
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if last or not safe_to_repeat:
                    raise BackendUnavailable("The Kilo backend did not answer in time.") from exc
            else:
                if response.status_code < 500:
                    return self._raise_for_status(response)
                if last or not safe_to_repeat:
                    raise BackendUnavailable(
                        f"The Kilo backend failed ({response.status_code}).", status_code=response.status_code
                    )
            await asyncio.sleep(self._backoff * 2 ** (attempt - 1) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    @staticmethod
    def _raise_for_status(response: httpx.Response) -> httpx.Response:
        if response.status_code < 400:
            return response
        message, code = f"HTTP {response.status_code}", None
        try:
            error = response.json().get("error", {})
            message, code = error.get("message", message), error.get("code")
        except (ValueError, AttributeError):
            pass
        error_type = _ERRORS_BY_STATUS.get(response.status_code, ValidationFailed)
        raise error_type(message, status_code=response.status_code, code=code)

    async def _read(
        self,
        path: str,
        parse: Callable[[bytes], T],
        actor: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> T:
        """GET and parse, shared with identical reads in flight and reused for read_cache_seconds.

        The parsed value itself is shared: callers treat answers as read-only."""
        query = tuple(sorted((k, str(v)) for k, v in (params or {}).items() if v is not None))
        key: ReadKey = (path, actor, query, parse)
        loop = asyncio.get_running_loop()
        cached = self._reads.get(key)
        if cached is not None and cached[0] > loop.time():
            return cast(T, cached[1])
        if key in self._reads_in_flight:
            return cast(T, await asyncio.shield(self._reads_in_flight[key]))
        future: asyncio.Future[object] = loop.create_future()
        future.add_done_callback(lambda done: done.cancelled() or done.exception())  # no "never retrieved"
        self._reads_in_flight[key] = future
        try:
            value = parse((await self._request("GET", path, actor=actor, params=params)).content)
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            del self._reads_in_flight[key]
        if self._read_ttl > 0:
            if len(self._reads) >= MAX_CACHED_READS:
                self._reads = {k: v for k, v in self._reads.items() if v[0] > loop.time()}
            self._reads[key] = (loop.time() + self._read_ttl, value)
        future.set_result(value)
        return value

    async def _get(self, model: type[ModelT], path: str, **kwargs: Any) -> ModelT:
        return await self._read(await self._org_path(path), _parser(model), **kwargs)

    async def _list(self, model: type[ModelT], path: str, **kwargs: Any) -> list[ModelT]:
        return await self._read(await self._org_path(path), _list_parser(model), **kwargs)

    async def _send(self, model: type[ModelT], method: str, path: str, **kwargs: Any) -> ModelT:
        try:
            response = await self._request(method, await self._org_path(path), **kwargs)
        finally:
            self._reads.clear()  # whatever was read before may have changed now
        parse: Callable[[bytes], ModelT] = _parser(model)
        return parse(response.content)

    async def _org_path(self, path: str) -> str:
        return f"/api/v1/organizations/{await self.organization_id()}{path}"

    # --- the contract ------------------------------------------------------------------------

    async def organization_id(self) -> str:
        if self._organization_id is None:
            whoami = await self._read("/api/v1/whoami", _parser(schemas.WhoAmIOut))
            self._organization_id = whoami.organization_id
        return self._organization_id

    async def organization(self) -> schemas.OrganizationOut:
        return await self._get(schemas.OrganizationOut, "")

    async def change_policies(
        self, actor: str, *, code_training_opt_out: bool | None = None, usage_analytics_enabled: bool | None = None
    ) -> schemas.PoliciesOut:
        body = {"code_training_opt_out": code_training_opt_out, "usage_analytics_enabled": usage_analytics_enabled}
        return await self._send(
            schemas.PoliciesOut,
            "PATCH",
            "/policies",
            actor=actor,
            json={k: v for k, v in body.items() if v is not None},
            retry_unsafe=True,  # setting a policy to a value is idempotent
        )

    async def members(
        self,
        *,
        role: Role | None = None,
        status: MemberStatus | None = None,
        query: str | None = None,
        email: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> schemas.MemberPageOut:
        params = {"role": role, "status": status, "q": query, "email": email, "limit": limit, "offset": offset}
        return await self._get(schemas.MemberPageOut, "/members", params=params)

    async def member_by_email(self, email: str) -> schemas.MemberOut | None:
        """The active member with this email, or None (invited and removed members cannot act)."""
        page = await self.members(email=email, status=MemberStatus.ACTIVE, limit=1)
        return page.members[0] if page.members else None

    async def member(self, member_id: str) -> schemas.MemberOut:
        return await self._get(schemas.MemberOut, f"/members/{member_id}")

    async def change_member(
        self,
        actor: str,
        member_id: str,
        *,
        role: Role | None = None,
        daily_limit_microdollars: int | None = None,
        clear_daily_limit: bool = False,
    ) -> schemas.MemberOut:
        body: dict[str, Any] = {"role": role, "daily_limit_microdollars": daily_limit_microdollars}
        body = {k: v for k, v in body.items() if v is not None}
        if clear_daily_limit:
            body["clear_daily_limit"] = True
        return await self._send(schemas.MemberOut, "PATCH", f"/members/{member_id}", actor=actor, json=body)

    async def audit_log(self, actor: str, *, limit: int = 20) -> list[schemas.AuditEntryOut]:
        return await self._list(schemas.AuditEntryOut, "/audit-log", actor=actor, params={"limit": limit})

    async def invite_member(self, actor: str, email: str, role: Role, name: str | None = None) -> schemas.MemberOut:
        return await self._send(
            schemas.MemberOut, "POST", "/members", actor=actor, json={"email": email, "role": role, "name": name}
        )

    async def remove_member(self, actor: str, member_id: str) -> schemas.MemberOut:
        return await self._send(schemas.MemberOut, "DELETE", f"/members/{member_id}", actor=actor)

    async def usage_summary(
        self, *, period: str | None = None, start: date | None = None, end: date | None = None
    ) -> schemas.UsageSummaryOut:
        params = {"period": period, "start": start, "end": end}
        return await self._get(schemas.UsageSummaryOut, "/usage/summary", params=params)

    async def usage_by_member(
        self, actor: str, *, period: str | None = None, start: date | None = None, end: date | None = None
    ) -> schemas.MemberUsagePageOut:
        params = {"period": period, "start": start, "end": end}
        return await self._get(schemas.MemberUsagePageOut, "/usage/members", actor=actor, params=params)

    async def usage_of_member(
        self,
        actor: str,
        member_id: str,
        *,
        period: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> schemas.MyUsageOut:
        params = {"period": period, "start": start, "end": end}
        return await self._get(schemas.MyUsageOut, f"/usage/members/{member_id}", actor=actor, params=params)

    async def daily_model_usage(self, *, start: date, end: date) -> schemas.DailyModelUsageOut:
        """Team spend, requests and tokens per UTC day and model in [start, end)."""
        params = {"start": start, "end": end}
        return await self._get(schemas.DailyModelUsageOut, "/usage/daily-models", params=params)

    async def seat_activity(self, *, idle_days: int = 14) -> schemas.SeatActivityOut:
        return await self._get(schemas.SeatActivityOut, "/usage/seat-activity", params={"idle_days": idle_days})

    async def credit_history(self, *, days: int = 28) -> schemas.CreditHistoryOut:
        return await self._get(schemas.CreditHistoryOut, "/credits/history", params={"days": days})

    async def ingest_usage(self, events: list[schemas.UsageEventIn]) -> schemas.IngestOut:
        body = schemas.UsageBatchIn(events=events).model_dump(mode="json")
        # Event ids make the batch idempotent, so a retry after a timeout cannot double-count.
        return await self._send(schemas.IngestOut, "POST", "/usage/events", json=body, retry_unsafe=True)

    async def credits(self, *, kind: CreditKind | None = None, limit: int = 20) -> schemas.CreditsOut:
        return await self._get(schemas.CreditsOut, "/credits", params={"kind": kind, "limit": limit})

    async def purchase_credits(
        self, actor: str, amount_microdollars: int, idempotency_key: str
    ) -> schemas.CreditEntryOut:
        body = {"amount_microdollars": amount_microdollars, "idempotency_key": idempotency_key}
        return await self._send(
            schemas.CreditEntryOut, "POST", "/credits/purchases", actor=actor, json=body, retry_unsafe=True
        )

    async def purchase_history(self, *, limit: int = 20) -> list[schemas.HistoryEntryOut]:
        return await self._list(schemas.HistoryEntryOut, "/billing/history", params={"limit": limit})

    async def subscription(self) -> schemas.SubscriptionOut:
        return await self._get(schemas.SubscriptionOut, "/subscription")

    async def preview_seats(self, actor: str, seats: int) -> schemas.SeatQuoteOut:
        return await self._send(
            schemas.SeatQuoteOut,
            "POST",
            "/subscription/seats/preview",
            actor=actor,
            json={"seats": seats},
            retry_unsafe=True,  # a preview changes nothing
        )

    async def change_seats(self, actor: str, seats: int, idempotency_key: str) -> schemas.SeatChangeOut:
        return await self._send(
            schemas.SeatChangeOut,
            "POST",
            "/subscription/seats",
            actor=actor,
            json={"seats": seats, "idempotency_key": idempotency_key},
            retry_unsafe=True,
        )

    async def change_billing_cycle(self, actor: str, cycle: BillingCycle) -> schemas.SubscriptionOut:
        return await self._send(
            schemas.SubscriptionOut, "PATCH", "/subscription", actor=actor, json={"billing_cycle": cycle}
        )

    async def preview_billing_cycle(self, actor: str, cycle: BillingCycle) -> schemas.BillingCycleQuoteOut:
        return await self._send(
            schemas.BillingCycleQuoteOut,
            "POST",
            "/subscription/billing-cycle/preview",
            actor=actor,
            json={"billing_cycle": cycle},
            retry_unsafe=True,  # a preview changes nothing
        )

    async def cancel_subscription(self, actor: str) -> schemas.SubscriptionOut:
        return await self._send(schemas.SubscriptionOut, "POST", "/subscription/cancel", actor=actor)

    async def resume_subscription(self, actor: str) -> schemas.SubscriptionOut:
        return await self._send(schemas.SubscriptionOut, "POST", "/subscription/resume", actor=actor)

    async def invoices(self, *, limit: int = 5) -> list[schemas.InvoiceOut]:
        return await self._list(schemas.InvoiceOut, "/invoices", params={"limit": limit})

    async def payments(self, *, limit: int = 5) -> list[schemas.PaymentOut]:
        return await self._list(schemas.PaymentOut, "/payments", params={"limit": limit})

    async def payment_method(self) -> schemas.PaymentMethodOut | None:
        try:
            return await self._get(schemas.PaymentMethodOut, "/payment-method")
        except NotFound:
            return None


@cache
def _parser(model: type[ModelT]) -> Callable[[bytes], ModelT]:
    """One parse function per model, so it can be part of a cache key."""

    def parse(content: bytes) -> ModelT:
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            raise BackendUnavailable("The Kilo backend sent an answer this bot does not understand.") from exc

    return parse


@cache
def _list_parser(model: type[ModelT]) -> Callable[[bytes], list[ModelT]]:
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]

    def parse(content: bytes) -> list[ModelT]:
        try:
            return cast(list[ModelT], adapter.validate_json(content))
        except ValidationError as exc:
            raise BackendUnavailable("The Kilo backend sent an answer this bot does not understand.") from exc

    return parse
