"""Benchmark: the public certificate search under gunicorn against a bare Flask endpoint.

Usage: ZHIGENG_INSTANCE=/tmp/zhigeng-bench python benchmarks/public_search.py --people /tmp/zhigeng-bench/people.tsv

Both servers run with the README's production command on 127.0.0.1 (gunicorn,
4 sync workers), one after the other. wrk keeps 16 connections busy for 10
seconds against each. The bare endpoint gets GET /. The application gets
POST / searches for people from ``--people`` (written by
seed_certificates.py): first with their real ID numbers (hits, which also
store a certificate link), then with another valid ID number (misses). Rate
limits and the captcha threshold are raised through their environment
variables. Requires wrk (Debian package). Set ZHIGENG_REDIS_URL as production
would with several workers.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.idnumbers import with_check_digit  # noqa: E402

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
RAISED_LIMITS = {
    "ZHIGENG_SEARCH_RATE_LIMIT": "100000000 per minute",
    "ZHIGENG_VERIFY_RATE_LIMIT": "100000000 per minute",
    "ZHIGENG_CAPTCHA_AFTER_MISSES": "100000000",
    "ZHIGENG_LOG_LEVEL": "WARNING",
}


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def start_server(target: str, port: int, workers: int, cwd: Path, env: dict) -> subprocess.Popen:
    command = [GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{port}", target]
    server = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    wait_for_port(port)
    time.sleep(1)  # every worker has booted
    return server


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def session_and_token(port: int) -> tuple[str, str]:
    """Open the search page once: the session cookie and the CSRF token every POST reuses."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def lua_script(bodies: list[str], cookie: str) -> str:
    quoted = ",\n".join('"' + body + '"' for body in bodies)
    return f"""
bodies = {{
{quoted}
}}
counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "{cookie}"
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end
"""


def run_wrk(url: str, connections: int, seconds: int, script: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rate": rate, "p99_ms": float(p99.group(1)) * scale, "errors": int(errors.group(1)) if errors else 0}


def read_people(path: str) -> list[tuple[str, str]]:
    return [tuple(line.split("\t")) for line in Path(path).read_text(encoding="utf-8").splitlines() if line]


def form_bodies(people, token: str, miss: bool) -> list[str]:
    bodies = []
    for name, number in people:
        if miss:
            # Another valid ID number: the same region and birth date with a sequence no one was given.
            number = with_check_digit(number[:14] + "999")
        bodies.append(urllib.parse.urlencode({"csrf_token": token, "name": name, "id_number": number}))
    return bodies


def report(label: str, result: dict, floor: float) -> None:
    ratio = result["rate"] / floor
    print(
        f"{label:<28} {result['rate']:8.0f} requests/s  p99 {result['p99_ms']:6.1f} ms  "
        f"errors {result['errors']}  {ratio:.2f} of the floor (target at least 0.33, p99 under 50 ms)"
    )


def main():
    parser = argparse.ArgumentParser(description="Benchmark the public certificate search under gunicorn.")
    parser.add_argument("--people", required=True, help="name and ID number pairs from seed_certificates.py")
    parser.add_argument("--port", type=int, default=5211, help="first of two ports on 127.0.0.1 (default 5211)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4, as in the README)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    env = dict(os.environ, **RAISED_LIMITS)
    bare = start_server("bare_app:create_app()", args.port, args.workers, ROOT / "benchmarks", env)
    try:
        floor = run_wrk(f"http://127.0.0.1:{args.port}/", args.connections, args.seconds)
    finally:
        stop_server(bare)

    server = start_server("app:create_app()", args.port + 1, args.workers, ROOT, env)
    try:
        cookie, token = session_and_token(args.port + 1)
        people = read_people(args.people)
        results = {}
        for mode in ("hits", "misses"):
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(lua_script(form_bodies(people, token, mode == "misses"), cookie))
            try:
                results[mode] = run_wrk(f"http://127.0.0.1:{args.port + 1}/", args.connections, args.seconds, script.name)
            finally:
                os.unlink(script.name)
    finally:
        stop_server(server)

    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"{'bare Flask endpoint (floor)':<28} {floor['rate']:8.0f} requests/s  p99 {floor['p99_ms']:6.1f} ms")
    report("search, certificates found", results["hits"], floor["rate"])
    report("search, nothing found", results["misses"], floor["rate"])


if __name__ == "__main__":
    main()
