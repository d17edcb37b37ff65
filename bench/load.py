"""Load test: N concurrent gradio_client users asking gold questions of `rag ui` for S seconds.

    python bench/load.py --serve --users 20 --seconds 60      # starts rag ui on a free port, stops it after
    python bench/load.py --url http://127.0.0.1:7860/         # or against a server you started

Loopback only, bounded in time and in requests. Prints throughput, latency percentiles and the error count
(and, with --json FILE, stores them under "load" in that file, e.g. bench/results.json).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def _questions() -> list[tuple[str, list[str]]]:
    out = []
    for line in (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        out.append((item["question"], item.get("history") or []))
    return out


def run_load(
    url: str, users: int = 20, seconds: float = 60, max_requests: int = 100_000, auth: tuple[str, str] | None = None
) -> dict:
    """Run the load and return ``{users, seconds, requests, errors, throughput_rps, p50_ms, p95_ms, p99_ms}``.

    ``auth``: a (user, password) login of a server started with ``RAG_UI_USERS``."""
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load test only runs against a loopback address")
    from gradio_client import Client

    questions = _questions()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    counter = iter(range(max_requests))

    def user(seed: int) -> None:
        # Loopback HTTP has no TLS, but with the default ssl_verify=True gradio_client builds a fresh
        # certificate-verifying SSL context (loading certifi's bundle) for every request it sends: about
        # 20 ms of CPU each, which on a 2-core machine the load generator steals from the server.
        client = Client(url, verbose=False, ssl_verify=False, auth=auth)
        i = seed
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    return
            question, history = questions[i % len(questions)]
            i += users
            t = time.perf_counter()
            try:
                out = client.predict(question, history, api_name="/ask")
                ok = isinstance(out, dict) and "answer" in out
            except Exception as exc:  # every failure counts, whatever its kind
                ok, out = False, repr(exc)
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)
                if not ok:
                    errors.append(str(out)[:200])

    start = time.monotonic()
    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    elapsed = time.monotonic() - start
    lat = sorted(latencies)

    def pct(p):
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else 0.0

    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "errors": len(errors),
        "error_samples": errors[:3],
        "throughput_rps": round(len(lat) / elapsed, 2) if elapsed else 0.0,
        "p50_ms": round(pct(50), 1),
        "p95_ms": round(pct(95), 1),
        "p99_ms": round(pct(99), 1),
    }


@contextlib.contextmanager
def serve(index_dir: str | None = None, timeout: float = 180):
    """Run ``rag ui`` on a free loopback port for the duration of the block; yields its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "rag", "ui", "--port", str(port)]
    if index_dir:
        cmd += ["--index-dir", index_dir]
    proc = subprocess.Popen(cmd, env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"rag ui did not start (exit code {proc.poll()})") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:7860/")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-requests", type=int, default=100_000)
    ap.add_argument("--serve", action="store_true", help="start rag ui on a free port for the test (ignores --url)")
    ap.add_argument("--index-dir", help="with --serve: the index to serve (default: rag's own)")
    ap.add_argument("--json", type=Path, help='store the result under "load" in this JSON file')
    args = ap.parse_args()
    with serve(args.index_dir) if args.serve else contextlib.nullcontext(args.url) as url:
        result = run_load(url, args.users, args.seconds, args.max_requests)
    print(json.dumps(result, ensure_ascii=False))
    if args.json:
        data = json.loads(args.json.read_text(encoding="utf-8")) if args.json.exists() else {}
        data["load"] = result
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
