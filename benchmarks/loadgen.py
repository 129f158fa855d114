"""A small HTTP/1.1 load generator (keep-alive, asyncio, no dependencies), used by bench_http.py
when `wrk` is not installed. Runs in its own process; prints one JSON line of figures.

    python benchmarks/loadgen.py --url http://127.0.0.1:8000 --path /v1/ask --bodies bodies.json \
        --concurrency 8 --duration 20

Only loopback addresses are accepted: this is for measuring a local `askintl serve`.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import socket
import sys
import time
from urllib.parse import urlsplit


def _loopback_only(host: str) -> None:
    addr = ipaddress.ip_address(socket.gethostbyname(host))
    if not addr.is_loopback:
        raise SystemExit(f"loadgen: {host} is not a loopback address; refusing")


def encode_body(body) -> bytes:
    """A request body as UTF-8 JSON; a text that UTF-8 cannot carry (a lone surrogate) is sent
    as JSON's ASCII escape (``\\udc00``), as a client would write it."""
    try:
        return json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(body).encode()


async def _client(host, port, path, bodies, k, stop_at, latencies, statuses, errors):
    reader = writer = None
    i = k
    while time.monotonic() < stop_at:
        body = bodies[i % len(bodies)]
        i += 1
        req = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        t0 = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(req)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=60)
            status = int(head.split(b" ", 2)[1])
            length = 0
            chunked = False
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
        except Exception as exc:  # noqa: BLE001 - every failure is counted
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run(url: str, path: str, bodies: list[bytes], concurrency: int, duration: float) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    _loopback_only(host)
    latencies, statuses, errors = [], {}, []
    t0 = time.monotonic()
    stop_at = t0 + duration
    await asyncio.gather(*(_client(host, port, path, bodies, k, stop_at, latencies, statuses, errors)
                           for k in range(concurrency)))
    elapsed = time.monotonic() - t0
    lat = sorted(latencies)

    def q(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1e3 if lat else float("nan")

    return {"requests": len(lat), "seconds": elapsed, "rps": len(lat) / elapsed, "p50_ms": q(0.50),
            "p90_ms": q(0.90), "p95_ms": q(0.95), "p99_ms": q(0.99),
            "max_ms": lat[-1] * 1e3 if lat else float("nan"),
            "statuses": {str(k): v for k, v in statuses.items()}, "socket_errors": len(errors),
            "non_2xx": sum(v for k, v in statuses.items() if not 200 <= k < 300)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--path", default="/v1/ask")
    ap.add_argument("--bodies", required=True, help="a JSON file with a list of request bodies (objects)")
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--duration", type=float, default=10)
    args = ap.parse_args()
    with open(args.bodies, encoding="utf-8") as fh:
        bodies = [encode_body(b) for b in json.load(fh)]
    print(json.dumps(asyncio.run(run(args.url, args.path, bodies, args.concurrency, args.duration))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
