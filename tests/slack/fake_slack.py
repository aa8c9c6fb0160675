"""A fake Slack Web API (and Socket Mode websocket) on loopback, for the real slack_sdk clients.

It runs an aiohttp server on its own thread and event loop, so blocking `WebClient` calls from
sync activities, from `asyncio.to_thread`, or straight from a test all reach it the same way.

What it follows from Slack's documentation: every method answers HTTP 200 with `{"ok": ...}`
(errors are `ok: false` + `error`), except rate limits (HTTP 429 + `Retry-After`); tokens come as
`Authorization: Bearer`; `chat.postMessage` stores `metadata` and `conversations.history` /
`.replies` return it only with `include_all_metadata`; history is newest first, replies oldest
first, both cursor-paginated; `oldest`/`latest` are exclusive unless `inclusive`.

Use the `fake_slack` fixture (import it into a conftest) or `with FakeSlack() as slack:`.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-supportflow-test"
APP_TOKEN = "xapp-supportflow-test"
BOT_USER_ID = "U0SUPPORTBOT"
TEAM_ID = "T0SUPPORT"


@dataclass
class SlackCall:
    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 200
    error: str | None = None


@dataclass
class SlackMessage:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None
    edited: int = 0

    def as_json(self, include_metadata: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": "B0SUPPORTBOT",
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
            "team": TEAM_ID,
        }
        if self.thread_ts is not None:
            body["thread_ts"] = self.thread_ts
        if include_metadata and self.metadata is not None:
            body["metadata"] = self.metadata
        return body


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int | None
    raw_body: str | None
    apply_first: bool
    times: int


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str


@dataclass
class _State:
    calls: list[SlackCall] = field(default_factory=list)
    messages: list[SlackMessage] = field(default_factory=list)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[_Failure]] = field(default_factory=dict)
    socket_acks: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeSlack:
    """Loopback Slack. `channels` limits which channel ids exist (default: any `C…`/`G…`);
    `user_groups` maps a user group id to its member user ids."""

    def __init__(
        self,
        *,
        channels: set[str] | None = None,
        user_groups: dict[str, list[str]] | None = None,
        members_only: dict[str, set[str]] | None = None,
    ) -> None:
        self.channels = channels
        self.user_groups = dict(user_groups or {})
        # channel -> bot must be a member to post there (not_in_channel otherwise)
        self.members_only = dict(members_only or {})
        self._state = _State()
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self._serve())
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-slack", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("fake Slack did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def _shutdown(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # -- what tests look at -------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[SlackCall]:
        with self._lock:
            return [c for c in self._state.calls if method is None or c.method == method]

    def messages(self, channel: str | None = None) -> list[SlackMessage]:
        """Top-level messages and replies, oldest first."""
        with self._lock:
            return copy.deepcopy(
                [m for m in self._state.messages if channel is None or m.channel == channel]
            )

    def message(self, channel: str, ts: str) -> SlackMessage:
        """A snapshot: what a client that loaded the message now would see."""
        with self._lock:
            found = next(m for m in self._state.messages if m.channel == channel and m.ts == ts)
            return copy.deepcopy(found)

    def ephemerals(self) -> list[Ephemeral]:
        with self._lock:
            return list(self._state.ephemerals)

    def views(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._state.views)

    def fail_next(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        retry_after: int | None = None,
        raw_body: str | None = None,
        apply_first: bool = False,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail. `apply_first` performs the call and then
        answers with the failure: a post whose response was lost on the way back."""
        with self._lock:
            self._state.failures.setdefault(method, []).append(
                _Failure(error, status, retry_after, raw_body, apply_first, times)
            )

    def rate_limit_next(self, method: str, retry_after: int) -> None:
        self.fail_next(method, "ratelimited", status=429, retry_after=retry_after)

    def seed_message(self, channel: str, text: str, metadata: dict[str, Any] | None = None) -> str:
        with self._lock:
            message = SlackMessage(channel, self._next_ts(), text, [], metadata)
            self._state.messages.append(message)
            return message.ts

    # -- Web API ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _arguments(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        with self._lock:
            call = SlackCall(method, args, token)
            self._state.calls.append(call)
            failure = self._take_failure(method)
        if failure is not None and not failure.apply_first:
            call.status, call.error = failure.status, failure.error
            return _failure_response(failure)
        result = self._dispatch(method, args, token)
        call.error = None if result.get("ok") else str(result.get("error"))
        if failure is not None:
            call.status, call.error = failure.status, failure.error
            return _failure_response(failure)
        return web.json_response(result)

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._state.failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _dispatch(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "apps.connections.open":
            if token != APP_TOKEN:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if token is None:
            return {"ok": False, "error": "not_authed"}
        if token != BOT_TOKEN:
            return {"ok": False, "error": "invalid_auth"}
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        with self._lock:
            return handler(self, args)

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _channel_error(self, channel: str | None) -> dict[str, Any] | None:
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        known = (
            channel[:1] in ("C", "G", "D") if self.channels is None else channel in self.channels
        )
        if not known:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.members_only and BOT_USER_ID not in self.members_only[channel]:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://supportflow-test.slack.com/",
            "team": "supportflow test",
            "user": "supportflow",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0SUPPORTBOT",
        }

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        error = self._channel_error(channel)
        if error:
            return error
        assert channel is not None
        blocks = _json_arg(args.get("blocks")) or []
        text = str(args.get("text") or "")
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        thread_ts = args.get("thread_ts")
        if thread_ts and not any(
            m.channel == channel and m.ts == thread_ts for m in self._state.messages
        ):
            return {"ok": False, "error": "thread_not_found"}
        metadata = _json_arg(args.get("metadata"))
        message = SlackMessage(channel, self._next_ts(), text, blocks, metadata, thread_ts)
        self._state.messages.append(message)
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "message": message.as_json(include_metadata=True),
        }

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        error = self._channel_error(channel)
        if error:
            return error
        message = next(
            (m for m in self._state.messages if m.channel == channel and m.ts == ts), None
        )
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if "blocks" in args:
            message.blocks = _json_arg(args["blocks"]) or []
        if "text" in args:
            message.text = str(args["text"])
        if "metadata" in args:
            message.metadata = _json_arg(args["metadata"])
        message.edited += 1
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.text,
            "message": message.as_json(include_metadata=False),
        }

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, user = args.get("channel"), args.get("user")
        error = self._channel_error(channel)
        if error:
            return error
        if not user:
            return {"ok": False, "error": "user_not_in_channel"}
        assert channel is not None
        self._state.ephemerals.append(Ephemeral(channel, str(user), str(args.get("text") or "")))
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _json_arg(args.get("view"))
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        self._state.views.append({"trigger_id": args["trigger_id"], "view": view})
        opened = {**view, "id": f"V{uuid.uuid4().hex[:10].upper()}", "state": {"values": {}}}
        return {"ok": True, "view": opened}

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        error = self._channel_error(channel)
        if error:
            return error
        top = [
            m
            for m in self._state.messages
            if m.channel == channel and (m.thread_ts is None or m.thread_ts == m.ts)
        ]
        return _page(list(reversed(top)), args)

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        error = self._channel_error(channel)
        if error:
            return error
        thread = [
            m
            for m in self._state.messages
            if m.channel == channel and (m.ts == ts or m.thread_ts == ts)
        ]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return _page(thread, args)

    def _usergroup_users(self, args: dict[str, Any]) -> dict[str, Any]:
        group = args.get("usergroup")
        if group not in self.user_groups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.user_groups[group])}

    # -- Socket Mode --------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TEST"}}
        )
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            ack = json.loads(msg.data)
            waiter = self._ack_waiters.pop(str(ack.get("envelope_id")), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(ack)
        self._sockets.remove(ws)
        return ws

    async def _push(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not self._sockets:
            if time.monotonic() > deadline:
                raise TimeoutError("no Socket Mode client connected")
            await asyncio.sleep(0.02)
        envelope_id = str(uuid.uuid4())
        assert self._loop is not None
        waiter: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._ack_waiters[envelope_id] = waiter
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": "interactive",
                "accepts_response_payload": True,
                "payload": payload,
            }
        )
        return await asyncio.wait_for(waiter, timeout)

    async def push_interaction(
        self, payload: dict[str, Any], timeout: float = 5.0
    ) -> dict[str, Any]:
        """Deliver an interaction over Socket Mode; returns the client's ack envelope."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._push(payload, timeout), self._loop)
        return await asyncio.wrap_future(future)


_METHODS = {
    "auth.test": FakeSlack._auth_test,
    "chat.postMessage": FakeSlack._post_message,
    "chat.update": FakeSlack._update,
    "chat.postEphemeral": FakeSlack._post_ephemeral,
    "views.open": FakeSlack._views_open,
    "conversations.history": FakeSlack._history,
    "conversations.replies": FakeSlack._replies,
    "usergroups.users.list": FakeSlack._usergroup_users,
}


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            args.update({k: v for k, v in body.items() if v is not None})
        else:
            args.update(dict(await request.post()))
    return args


def _json_arg(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value) if value else None
    return value


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _page(messages: list[SlackMessage], args: dict[str, Any]) -> dict[str, Any]:
    inclusive = _flag(args.get("inclusive", "0"))
    oldest = float(args["oldest"]) if args.get("oldest") else None
    latest = float(args["latest"]) if args.get("latest") else None

    def in_range(m: SlackMessage) -> bool:
        ts = float(m.ts)
        after = oldest is None or ts > oldest or (inclusive and ts == oldest)
        before = latest is None or ts < latest or (inclusive and ts == latest)
        return after and before

    selected = [m for m in messages if in_range(m)]
    limit = int(args.get("limit") or 100)
    start = int(args.get("cursor") or 0)
    chunk = selected[start : start + limit]
    more = start + limit < len(selected)
    include_metadata = _flag(args.get("include_all_metadata", "0"))
    return {
        "ok": True,
        "messages": [m.as_json(include_metadata) for m in chunk],
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def _failure_response(failure: _Failure) -> web.Response:
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
    if failure.raw_body is not None:
        return web.Response(
            status=failure.status, text=failure.raw_body, content_type="text/html", headers=headers
        )
    return web.json_response(
        {"ok": False, "error": failure.error}, status=failure.status, headers=headers
    )


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fresh loopback Slack per test. Point clients at `fake_slack.base_url` with BOT_TOKEN."""
    with FakeSlack() as slack:
        yield slack
