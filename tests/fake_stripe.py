"""A local fake of the parts of Stripe's HTTP API the portal calls, served over real HTTP.

Our Stripe client code (``budgets.stripe_gateway``, through the ``stripe`` library) talks to it unchanged:
the fixture points ``STRIPE_API_BASE`` at it. It speaks Stripe's wire format: form-encoded requests with
nested keys (``line_items[0][price_data][unit_amount]``), a bearer secret key, ``Idempotency-Key`` headers
and JSON objects or ``{"error": {...}}`` back. Tests drive what happens on Stripe's side with Python methods
(``complete``, ``expire``, ``go_down``...) and sign webhook events by Stripe's scheme with ``signed_event``.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

SECRET_KEY = "sk_test_fake_portal_key"
WEBHOOK_SECRET = "whsec_test_fake_portal_secret"
API_VERSION = "2025-09-30.clover"

_KEY_PART = re.compile(r"\[([^\]]*)\]")


def parse_form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding back into nested dicts and lists: ``a[b][0][c]=1`` -> ``{"a": {"b": [{"c": "1"}]}}``."""
    root: dict = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        parts = [head] + _KEY_PART.findall(key[len(head):])
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    node = {k: _lists(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def signature_header(payload: bytes | str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """``Stripe-Signature`` exactly as Stripe sends it: ``t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>">``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    text = payload.decode() if isinstance(payload, bytes) else payload
    digest = hmac.new(secret.encode(), f"{timestamp}.{text}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@dataclass
class SignedEvent:
    """A webhook delivery: the exact bytes and the headers to post them with (keep it to replay it)."""

    id: str
    type: str
    payload: bytes
    headers: dict = field(default_factory=dict)

    def post(self, client):
        return client.post("/stripe/webhook", data=self.payload, headers=self.headers,
                           content_type="application/json")


class StripeError(Exception):
    def __init__(self, status: int, kind: str, message: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.code, self.param = status, kind, code, param

    def response(self) -> Response:
        error = {"type": self.kind, "message": str(self)}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return Response(json.dumps({"error": error}), self.status, content_type="application/json")


class FakeStripe:
    """Checkout Sessions, refunds and connected accounts, held in memory, behind a real HTTP server on 127.0.0.1."""

    def __init__(self, secret_key: str = SECRET_KEY, webhook_secret: str = WEBHOOK_SECRET):
        self.secret_key, self.webhook_secret = secret_key, webhook_secret
        self.port = 0
        self._server = None
        self._thread = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every object and request, and answer normally again (a fresh Stripe account)."""
        self.sessions: dict[str, dict] = {}
        self.params: dict[str, dict] = {}          # what we were asked to create, by object id
        self.refunds: dict[str, dict] = {}
        self.accounts: dict[str, dict] = {}         # connected accounts (Stripe Connect)
        self.account_links: list[dict] = []
        self.payment_intents: dict[str, dict] = {}  # pi id -> {"amount", "refunded", "checkout_session"}
        self.requests: list[tuple[str, str, dict, dict]] = []
        self._idempotent: dict[str, tuple[str, dict, int, str]] = {}
        self.failing: int | None = None  # answer every request with this 5xx status
        self.lose_responses = False        # do the work, then answer 500 (the response was lost)
        self.clock_offset = 0             # seconds added to Stripe's idea of now
        self.refund_status = "succeeded"   # what a new refund is, e.g. "requires_action" to settle it later

    # --- running -----------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeStripe":
        self._server = make_server("127.0.0.1", self.port, self._wsgi, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def go_down(self) -> None:
        """Stop listening: every call is refused at the TCP level until ``come_back``."""
        self.stop()

    def come_back(self) -> None:
        if self._server is None:
            self.start()

    def fail_with(self, status: int | None = 500) -> None:
        """Answer every request with this server error (None: answer normally again)."""
        self.failing = status

    # --- what a test can see -----------------------------------------------------------------------

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests received (also the refused-with-5xx ones), optionally of one method and path prefix."""
        return sum(1 for m, p, _, _ in self.requests
                   if (method is None or m == method.upper()) and (path is None or p.startswith(path)))

    def created_sessions(self) -> list[dict]:
        return list(self.sessions.values())

    def session_for(self, payment_id: int) -> dict:
        [checkout] = [s for s in self.sessions.values() if s["metadata"].get("payment_id") == str(payment_id)]
        return checkout

    def refunds_for(self, payment_intent: str) -> list[dict]:
        return [r for r in self.refunds.values() if r["payment_intent"] == payment_intent]

    # --- what happens on Stripe's side (test controls) ------------------------------------------------

    def now(self) -> int:
        return int(time.time()) + self.clock_offset

    def complete(self, checkout_session_id: str) -> dict:
        """The family paid on the Checkout page: the session is complete and paid, with a PaymentIntent."""
        with self._lock:
            checkout = self.sessions[checkout_session_id]
            if checkout["status"] != "open":
                raise AssertionError(f"Checkout Session {checkout_session_id} is {checkout['status']}, not open")
            intent = self._new_id("pi")
            checkout.update(status="complete", payment_status="paid", payment_intent=intent)
            self.payment_intents[intent] = {"amount": checkout["amount_total"], "refunded": 0,
                                            "checkout_session": checkout_session_id}
            return dict(checkout)

    def expire(self, checkout_session_id: str) -> dict:
        """The Checkout Session ran out (or was expired): it can no longer be paid."""
        with self._lock:
            return dict(self._expire(checkout_session_id))

    def _expire(self, checkout_session_id: str) -> dict:
        checkout = self.sessions[checkout_session_id]
        if checkout["status"] == "open":
            checkout["status"] = "expired"
        return checkout

    def settle_refund(self, refund_id: str, status: str = "succeeded") -> dict:
        """A refund that was waiting (``requires_action``, ``pending``) is now done, or has failed."""
        with self._lock:
            refund = self.refunds[refund_id]
            if status == "failed" and refund["status"] != "failed":
                self.payment_intents[refund["payment_intent"]]["refunded"] -= refund["amount"]
            refund["status"] = status
            return dict(refund)

    def finish_onboarding(self, account_id: str, *, charges_enabled: bool = True) -> dict:
        """The provider filled in Stripe's onboarding: details submitted, and charges enabled (or still checked)."""
        with self._lock:
            account = self.accounts[account_id]
            account.update(details_submitted=True, charges_enabled=charges_enabled, payouts_enabled=charges_enabled)
            return dict(account)

    # --- webhooks -----------------------------------------------------------------------------------

    def signed_event(self, event_type: str, obj: dict, *, timestamp: int | None = None,
                     secret: str | None = None) -> SignedEvent:
        """An event as Stripe would deliver it, with a snapshot of ``obj``, signed with the webhook secret."""
        event_id = self._new_id("evt")
        event = {"id": event_id, "object": "event", "api_version": API_VERSION, "created": self.now(),
                 "type": event_type, "livemode": False, "pending_webhooks": 1,
                 "request": {"id": None, "idempotency_key": None}, "data": {"object": json.loads(json.dumps(obj))}}
        payload = json.dumps(event).encode()
        header = signature_header(payload, secret or self.webhook_secret, timestamp)
        return SignedEvent(event_id, event_type, payload, {"Stripe-Signature": header})

    def checkout_event(self, event_type: str, checkout_session_id: str, **changes) -> SignedEvent:
        """An event about a Checkout Session, carrying its current state (or that state with ``changes``)."""
        return self.signed_event(event_type, {**self.sessions[checkout_session_id], **changes})

    # --- the HTTP API --------------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}{hashlib.sha1(str(time.time_ns()).encode()).hexdigest()[:10]}"

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        params = parse_form(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
        if request.method == "GET":
            params.update(parse_form(list(request.args.items(multi=True))))
        self.requests.append((request.method, request.path, params, dict(request.headers)))
        if self.failing:
            return Response(json.dumps({"error": {"type": "api_error", "message": "Fake Stripe is failing."}}),
                            self.failing, content_type="application/json")
        if request.path.startswith("/pay/"):
            return self._checkout_page(request.path.rsplit("/", 1)[-1])
        if request.path.startswith("/onboarding/"):
            return Response("<!doctype html><title>Stripe</title><h1>Set up your account</h1>", 200,
                            content_type="text/html; charset=utf-8")
        if request.headers.get("Authorization") != f"Bearer {self.secret_key}":
            return StripeError(401, "invalid_request_error", "Invalid API Key provided.").response()
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            if key and request.method == "POST" and key in self._idempotent:
                path, earlier, status, body = self._idempotent[key]
                if (path, earlier) != (request.path, params):
                    return StripeError(400, "idempotency_error", "Keys for idempotent requests can only be used "
                                       "with the same parameters they were first used with.").response()
                return Response(body, status, content_type="application/json",
                                headers={"Idempotent-Replayed": "true"})
            try:
                status, body = 200, json.dumps(self._route(request.method, request.path, params))
            except StripeError as problem:
                status, body = problem.status, problem.response().get_data(as_text=True)
            if key and request.method == "POST" and status < 500:
                self._idempotent[key] = (request.path, params, status, body)
        if self.lose_responses:
            return Response(json.dumps({"error": {"type": "api_error", "message": "Lost."}}), 500,
                            content_type="application/json", headers={"Stripe-Should-Retry": "false"})
        return Response(body, status, content_type="application/json")

    def _route(self, method: str, path: str, params: dict) -> dict:
        parts = path.strip("/").split("/")
        match method, parts:
            case "POST", ["v1", "checkout", "sessions"]:
                return self._create_session(params)
            case "GET", ["v1", "checkout", "sessions", session_id]:
                return self._session(session_id)
            case "POST", ["v1", "checkout", "sessions", session_id, "expire"]:
                checkout = self._session(session_id)
                if checkout["status"] != "open":
                    raise StripeError(400, "invalid_request_error",
                                      f"This Checkout Session is {checkout['status']} and can no longer be expired.",
                                      code="checkout_session_not_open")
                return dict(self._expire(session_id))
            case "POST", ["v1", "accounts"]:
                return self._create_account(params)
            case "GET", ["v1", "accounts", account_id]:
                if account_id not in self.accounts:
                    raise StripeError(404, "invalid_request_error", f"No such account: '{account_id}'",
                                      code="resource_missing", param="account")
                return dict(self.accounts[account_id])
            case "POST", ["v1", "account_links"]:
                return self._create_account_link(params)
            case "POST", ["v1", "refunds"]:
                return self._create_refund(params)
            case "GET", ["v1", "refunds", refund_id]:
                if refund_id not in self.refunds:
                    raise StripeError(404, "invalid_request_error", f"No such refund: '{refund_id}'",
                                      code="resource_missing")
                return dict(self.refunds[refund_id])
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _session(self, session_id: str) -> dict:
        if session_id not in self.sessions:
            raise StripeError(404, "invalid_request_error", f"No such checkout.session: '{session_id}'",
                              code="resource_missing", param="session")
        checkout = self.sessions[session_id]
        if checkout["status"] == "open" and checkout["expires_at"] <= self.now():
            checkout["status"] = "expired"
        return dict(checkout)

    def _create_session(self, params: dict) -> dict:
        for name in ("mode", "success_url", "line_items"):
            if name not in params:
                raise StripeError(400, "invalid_request_error", f"Missing required param: {name}.", param=name)
        now = self.now()
        expires_at = int(params.get("expires_at") or now + 86400)
        if not now + 1800 <= expires_at <= now + 86400:
            # Stripe's own rule: a Checkout Session lasts between 30 minutes and 24 hours.
            raise StripeError(400, "invalid_request_error",
                              "The `expires_at` timestamp must be between 30 minutes and 24 hours after the "
                              "Checkout Session is created.", param="expires_at")
        total = 0
        for index, item in enumerate(params["line_items"]):
            price = item.get("price_data") or {}
            if "unit_amount" not in price or "currency" not in price:
                raise StripeError(400, "invalid_request_error", "Missing price_data.",
                                  param=f"line_items[{index}][price_data]")
            total += int(price["unit_amount"]) * int(item.get("quantity", 1))
        session_id = self._new_id("cs")
        checkout = {
            "id": session_id, "object": "checkout.session", "livemode": False, "mode": params["mode"],
            "url": f"{self.api_base}/pay/{session_id}", "status": "open", "payment_status": "unpaid",
            "amount_total": total, "currency": params["line_items"][0]["price_data"]["currency"],
            "created": now, "expires_at": expires_at, "metadata": params.get("metadata") or {},
            "client_reference_id": params.get("client_reference_id"), "customer_email": params.get("customer_email"),
            "success_url": params["success_url"], "cancel_url": params.get("cancel_url"), "payment_intent": None,
        }
        self.sessions[session_id] = checkout
        self.params[session_id] = params
        return dict(checkout)

    def _create_account(self, params: dict) -> dict:
        if params.get("type") not in ("express", "standard", "custom"):
            raise StripeError(400, "invalid_request_error", "Invalid type: must be one of custom, express, or standard",
                              param="type")
        account_id = self._new_id("acct")
        account = {"id": account_id, "object": "account", "type": params["type"], "country": params.get("country", "GB"),
                   "email": params.get("email"), "created": self.now(), "metadata": params.get("metadata") or {},
                   "capabilities": {name: "inactive" for name in (params.get("capabilities") or {})},
                   "charges_enabled": False, "payouts_enabled": False, "details_submitted": False}
        self.accounts[account_id] = account
        self.params[account_id] = params
        return dict(account)

    def _create_account_link(self, params: dict) -> dict:
        for name in ("account", "type"):
            if name not in params:
                raise StripeError(400, "invalid_request_error", f"Missing required param: {name}.", param=name)
        if params["account"] not in self.accounts:
            raise StripeError(400, "invalid_request_error", f"No such account: '{params['account']}'",
                              code="resource_missing", param="account")
        if params["type"] == "account_onboarding" and not (params.get("refresh_url") and params.get("return_url")):
            raise StripeError(400, "invalid_request_error", "Missing required param: refresh_url or return_url.")
        now = self.now()
        link = {"object": "account_link", "created": now, "expires_at": now + 300,
                "url": f"{self.api_base}/onboarding/{params['account']}/{len(self.account_links) + 1}"}
        self.account_links.append({**params, "url": link["url"]})
        return link

    def _create_refund(self, params: dict) -> dict:
        intent_id = params.get("payment_intent")
        if intent_id not in self.payment_intents:
            raise StripeError(400, "invalid_request_error", f"No such payment_intent: '{intent_id}'",
                              code="resource_missing", param="payment_intent")
        intent = self.payment_intents[intent_id]
        left = intent["amount"] - intent["refunded"]
        amount = int(params.get("amount") or left)
        if amount <= 0 or amount > left:
            raise StripeError(400, "invalid_request_error",
                              f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                              code="amount_too_large", param="amount")
        intent["refunded"] += amount
        refund_id = self._new_id("re")
        refund = {"id": refund_id, "object": "refund", "amount": amount, "currency": "gbp", "status": self.refund_status,
                  "payment_intent": intent_id, "charge": "ch_" + intent_id[3:], "created": self.now(),
                  "metadata": params.get("metadata") or {}}
        self.refunds[refund_id] = refund
        self.params[refund_id] = params
        return dict(refund)

    def _checkout_page(self, session_id: str) -> Response:
        checkout = self.sessions.get(session_id)
        if checkout is None:
            return Response("No such Checkout Session", 404)
        pounds = f"£{checkout['amount_total'] / 100:,.2f}"
        return Response(f"<!doctype html><title>Pay</title><h1>Pay {pounds}</h1><p>{checkout['status']}</p>",
                        200, content_type="text/html; charset=utf-8")


@pytest.fixture
def stripe_fake(app, monkeypatch):
    """A running fake Stripe, with the portal's Stripe keys and API address pointing at it for this test."""
    import stripe._http_client

    fake = FakeStripe().start()
    # Keep the library's retries (they are part of what runs) but not its half-second back-off sleeps.
    monkeypatch.setattr(stripe._http_client.HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(stripe._http_client.HTTPClient, "MAX_DELAY", 0.02)
    keys = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(STRIPE_SECRET_KEY=fake.secret_key, STRIPE_WEBHOOK_SECRET=fake.webhook_secret,
                      STRIPE_API_BASE=fake.api_base)
    try:
        yield fake
    finally:
        app.config.update(saved)
        fake.stop()
