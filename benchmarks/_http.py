"""A lean HTTP/1.1 client for load generation: keep-alive connections, one request at a time
on each, Content-Length bodies only (what the webhook answers).

Why not httpx: the load generator shares the 2 cores with the server, and measured here
httpx's AsyncClient at 50 concurrent requests tops out near 300 requests/s on its own, so its
queueing, not the server, made most of the acknowledgement latency (p99 0.5 s against an
idle server that this client measures at 30-45 ms).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

_OWN_HEADERS = frozenset({"content-length", "content-type", "host", "connection"})


class Response:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    def json(self) -> Any:
        return json.loads(self.content)


class LeanClient:
    """`size` keep-alive connections to one host; post() waits for a free one."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port, self.size = host, port, size
        self._free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )

    async def __aenter__(self) -> LeanClient:
        for _ in range(self.size):
            self._free.put_nowait(await asyncio.open_connection(self.host, self.port))
        return self

    async def __aexit__(self, *_: object) -> None:
        while not self._free.empty():
            self._free.get_nowait()[1].close()

    async def post(self, path: str, content: bytes, headers: Mapping[str, str]) -> Response:
        reader, writer = await self._free.get()
        try:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
                + "".join(
                    f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() not in _OWN_HEADERS
                )
                + "\r\n"
            )
            writer.write(head.encode("latin-1") + content)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "transfer-encoding":
                    raise ValueError("chunked responses are not supported by this client")
            return Response(status, await reader.readexactly(length))
        except BaseException:
            writer.close()  # a broken exchange leaves the connection unusable: open a new one
            reader, writer = await asyncio.open_connection(self.host, self.port)
            raise
        finally:
            self._free.put_nowait((reader, writer))
