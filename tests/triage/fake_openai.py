"""A loopback OpenAI-compatible server (real HTTP, aiohttp) for the real `openai` client.

Tests script what `/v1/chat/completions` answers next: structured content, a refusal, raw text
that is not JSON, an HTTP error with headers, or a slow answer that trips the client timeout.
Every request body is recorded so tests can assert what the client actually sent.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest_asyncio
from aiohttp import web

API_KEY = "sk-test-fake"


@dataclass
class Scripted:
    content: str | None = None
    refusal: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    delay_s: float = 0.0
    finish_reason: str = "stop"
    prompt_tokens: int = 321
    completion_tokens: int = 54


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self._script: list[Scripted] = []
        self.base_url = ""

    def reply_json(self, payload: dict[str, Any], **kw: Any) -> None:
        self._script.append(Scripted(content=json.dumps(payload), **kw))

    def reply(self, scripted: Scripted) -> None:
        self._script.append(scripted)

    async def _chat(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        self.auth_headers.append(request.headers.get("Authorization", ""))
        step = self._script.pop(0) if self._script else Scripted(status=500)
        if step.delay_s:
            await asyncio.sleep(step.delay_s)
        if step.status != 200:
            body = {"error": step.error or {"message": f"scripted {step.status}", "type": "x"}}
            return web.json_response(body, status=step.status, headers=step.headers)
        message: dict[str, Any] = {"role": "assistant", "content": step.content}
        message["refusal"] = step.refusal
        return web.json_response(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": self.requests[-1].get("model", "fake"),
                "choices": [{"index": 0, "message": message, "finish_reason": step.finish_reason}],
                "usage": {
                    "prompt_tokens": step.prompt_tokens,
                    "completion_tokens": step.completion_tokens,
                    "total_tokens": step.prompt_tokens + step.completion_tokens,
                },
            }
        )

    async def _embeddings(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.5]}
            for i, t in enumerate(inputs)
        ]
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/embeddings", self._embeddings)
        return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    runner = web.AppRunner(fake.app())
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    fake.base_url = f"http://127.0.0.1:{port}/v1"
    yield fake
    await runner.cleanup()
