#!/usr/bin/env python3
"""Throughput of the HTTP service: run `.venv/bin/python benchmarks/bench_service.py [--requests N] [--workers N]`.

Starts uvicorn with the service (`revhyper.service.app`, as `revhyper serve` does, without the access log) on
127.0.0.1 as a separate process, drives it with httpx (async) from this process at CONCURRENCY clients on
keep-alive connections, and prints, with the machine and its load:
- `POST /v1/blocks` (a 12-week block as canonical JSON, ~43 kB): requests a second and p50/p99 latency
  (targets: > 1,000 requests/s on 2 cores, p99 < 50 ms);
- `GET /healthz` the same way: the floor set by the HTTP stack and this client, with no revhyper work;
- both again with a minimal asyncio HTTP/1.1 client (wrk-like), which costs far less CPU than httpx;
- for each, the server's CPU time per request (its processes' user + system time from /proc), and the rate one
  core would give at that cost: on a busy host this says more than the wall-clock rate;
- in the same run, in process, one core: parse + generate + canonical JSON of the same profile, as requests a
  second; the ratios say how much of the service's time is revhyper's work and how much is HTTP.
The client runs on the same machine and takes CPU from the server (on 2 cores, about one of them): the figures
are what one machine does as client and server at once. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import load_average, machine  # noqa: E402

PROFILE = ROOT / "examples" / "profiles" / "chronic-rehab.toml"
CONCURRENCY = 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    import httpx

    command = [sys.executable, "-m", "uvicorn", "revhyper.service.app:app_from_environment", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
               "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
        if server.poll() is not None:
            break
    server.kill()
    raise SystemExit("the server did not start within 60 s")


async def drive(url: str, method: str, body: bytes, headers: dict[str, str], requests: int,
                seconds: float) -> tuple[int, float, list[float]]:
    """CONCURRENCY clients until ``requests`` are answered or ``seconds`` pass: (answered, wall seconds, latencies)."""
    import httpx

    latencies: list[float] = []
    remaining = requests
    # one client (one keep-alive connection) per concurrent user: a shared pool's lock costs more than the server
    clients = [httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=1)) for _ in range(CONCURRENCY)]
    for client in clients:  # open the connections before the clock starts
        await client.get(url.split("/v1/")[0].removesuffix("/healthz") + "/healthz")
    stop = time.perf_counter() + seconds

    async def one_client(client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0 and time.perf_counter() < stop:
            remaining -= 1
            start = time.perf_counter()
            response = await client.request(method, url, content=body or None, headers=headers)
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:300]}")

    began = time.perf_counter()
    await asyncio.gather(*(one_client(c) for c in clients))
    wall = time.perf_counter() - began
    for client in clients:
        await client.aclose()
    return len(latencies), wall, latencies


async def drive_raw(url: str, method: str, body: bytes, headers: dict[str, str], requests: int,
                    seconds: float) -> tuple[int, float, list[float]]:
    """The same load from a minimal HTTP/1.1 keep-alive client on asyncio streams (a wrk-like client): it costs
    far less CPU than httpx, so it shows more of what the server itself does."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"{method} /{path} HTTP/1.1\r\nHost: {host_port}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
    latencies: list[float] = []
    remaining = requests
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(CONCURRENCY)]
    stop = time.perf_counter() + seconds

    async def one_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal remaining
        while remaining > 0 and time.perf_counter() < stop:
            remaining -= 1
            start = time.perf_counter()
            writer.write(request)
            answer = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":", 1)[1]) for line in answer.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if not answer.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"{method} {url}: {answer[:100]!r}")

    began = time.perf_counter()
    await asyncio.gather(*(one_client(r, w) for r, w in connections))
    wall = time.perf_counter() - began
    for _, writer in connections:
        writer.close()
    return len(latencies), wall, latencies


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of process ``root`` and its descendants (Linux /proc): what the server spent,
    whatever else the machine runs (a busy host slows the wall clock far more than this)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, changed = {root}, True
    while changed:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        changed, tree = grown != tree, grown
    return sum(times.get(pid, 0.0) for pid in tree)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def in_process_rate(body: bytes, seconds: float = 2.0) -> tuple[float, float, bytes]:
    """Requests a second one core does without HTTP: parse the profile, generate, canonical JSON."""
    import revhyper
    from revhyper.profile.profile_loader import parse_profile

    rules = revhyper.default_ruleset()

    def once() -> bytes:
        return revhyper.block_to_json(revhyper.generate(parse_profile(body, name="<body>", ruleset=rules, kind="toml"), rules))

    data = once()
    count, began, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - began < seconds:
        once()
        count += 1
    return count / (time.perf_counter() - began), (time.process_time() - cpu) / count * 1000, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=6000, help="requests per endpoint (default 6,000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="at most this long per endpoint (default 20)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    args = parser.parse_args()
    body = PROFILE.read_bytes()
    print(f"machine: {machine()}; {load_average()}")
    print(f"server: uvicorn, {args.workers} worker process(es), no access log; client: httpx async, {CONCURRENCY} "
          f"concurrent clients in this process (on the same machine)")
    local_rate, local_cpu_ms, expected = in_process_rate(body)
    os.environ.pop("REVHYPER_SERVE_OPTIONS", None)  # the default configuration: the embedded rule set
    port = free_port()
    server = start_server(port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        import httpx

        check = httpx.post(f"{base}/v1/blocks", content=body, headers={"content-type": "application/toml"})
        assert check.content == expected, "the service's block differs from the in-process block"
        results: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for label, method, url, payload, headers, client in (
                ("POST /v1/blocks", "POST", f"{base}/v1/blocks", body, {"content-type": "application/toml"}, drive),
                ("GET /healthz", "GET", f"{base}/healthz", b"", {}, drive),
                ("POST /v1/blocks", "POST", f"{base}/v1/blocks", body, {"content-type": "application/toml"}, drive_raw),
                ("GET /healthz", "GET", f"{base}/healthz", b"", {}, drive_raw)):
            cpu_before = tree_cpu_seconds(server.pid)
            done, wall, latencies = asyncio.run(client(url, method, payload, headers, args.requests, args.seconds))
            cpu_ms = (tree_cpu_seconds(server.pid) - cpu_before) / done * 1000
            label = f"{label} {'httpx' if client is drive else 'raw'}"
            results[label] = done / wall
            cpu[label] = cpu_ms
            p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
            verdict = ""
            if label.startswith("POST"):
                verdict = (f"  rate {'PASS' if done / wall > 1000 else 'MISS'} (> 1,000/s), "
                           f"p99 {'PASS' if p99 < 50 else 'MISS'} (< 50 ms)")
            print(f"{label:<22} {done / wall:8,.0f} requests/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   "
                  f"server CPU {cpu_ms:.2f} ms/request (one core: {1000 / cpu_ms:,.0f}/s)   "
                  f"[{done:,} requests in {wall:.1f} s]{verdict}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"in process, one core: {local_rate:8,.0f} blocks/s (parse + generate + JSON, {1e3 / local_rate:.2f} ms each, "
          f"{local_cpu_ms:.2f} ms CPU)")
    for client in ("httpx", "raw"):
        blocks = results[f"POST /v1/blocks {client}"]
        print(f"ratios ({client} client, same run): service / in process {blocks / local_rate:.2f}; "
              f"POST /v1/blocks / GET /healthz {blocks / results[f'GET /healthz {client}']:.2f}; "
              f"server CPU per request / in-process CPU per block {cpu[f'POST /v1/blocks {client}'] / local_cpu_ms:.2f}")
    print(load_average())


if __name__ == "__main__":
    main()
