"""`make load`: the production stack under concurrent use, bounded and on loopback only.

Fills a throwaway PostgreSQL database (LOAD_DATABASE_URL) with LOAD_INCIDENTS incidents (the
page benchmark's data), starts gunicorn with the README's production settings (DEBUG off,
LOAD_WORKERS workers × LOAD_THREADS threads, behind a TLS proxy as far as Django can tell), signs
in 8 clients (LOAD_CLIENTS) and has them request the incident list (plain, filtered, searched),
an incident, the dashboard and the checks page for LOAD_SECONDS, then stops everything.

Prints p50 / p99 per page and overall, and exits non-zero when the overall p99 reaches
LOAD_P99_MS (300) or any request failed. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.common import cpu_calibration_ms, setup_django  # noqa: E402

DATABASE = os.environ.get(
    "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evidencehub_load"
)
INCIDENTS = int(os.environ.get("LOAD_INCIDENTS", "100000"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "8"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "30"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
THREADS = int(os.environ.get("LOAD_THREADS", "1"))
P99_BUDGET_MS = float(os.environ.get("LOAD_P99_MS", "300"))
PASSWORD = "load-test-password-" + "x" * 12  # noqa: S105 - a throwaway user of a throwaway DB
SECRET = "load-" + "s" * 60
FERNET = "PDGK6HwwW8yZXwwr0rbbu-Z9B4KRhrSqgmGT7MVsmBc="
HTTPS = {"X-Forwarded-Proto": "https"}


def pages(incident: int) -> dict[str, str]:
    return {
        "list": "/incidents/",
        "list filtered": "/incidents/?status=open&priority=high",
        "list failing a check": "/incidents/?check=any",
        "list search": "/incidents/?q=checkout",
        "list deep page": "/incidents/?page=1500",
        "incident": f"/incidents/{incident}/",
        "dashboard": "/",
        "checks": "/checks/",
    }


def prepare() -> int:
    """The database, filled; returns an incident's id."""
    os.environ["BENCH_DATABASE_URL"] = DATABASE
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
    from incidents.models import Incident
    from tests.bench.incident_data import populate_incidents

    started = time.perf_counter()
    populate_incidents(INCIDENTS)
    print(f"{INCIDENTS:,} incidents written in {time.perf_counter() - started:.0f} s")
    return int(Incident.objects.order_by("-created_at").values_list("pk", flat=True)[0])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_env(static_root: str) -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")} | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EVIDENCEHUB_IGNORE_LOCAL_ENV": "1",
        "DATABASE_URL": DATABASE,
        "SECRET_KEY": SECRET,
        "FIELD_ENCRYPTION_KEY": FERNET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
        "AXES_FAILURE_LIMIT": "1000",
        "STATIC_ROOT": static_root,
    }


def start_gunicorn(port: int, static_root: str) -> subprocess.Popen[bytes]:
    env = production_env(static_root)
    # As in production: the hashed static files' manifest exists before the first page, and
    # the clients' user is made by the production command (the production password hasher).
    for command in (
        ["collectstatic", "--noinput", "-v0"],
        ["create_user", "loader", "--role", "admin"],
    ):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env={**env, "CREATE_USER_PASSWORD": PASSWORD},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        f"--threads={THREADS}",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/login/", headers=HTTPS, timeout=10)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def signed_in(base: str) -> requests.Session:
    """A session signed in as the loader. The cookies are Secure (production): requests would
    not send them over plain HTTP, so they travel in a Cookie header of our own."""
    session = requests.Session()
    page = session.get(f"{base}/login/", headers=HTTPS, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("The login page has no CSRF token")
    cookies = {"csrftoken": page.cookies["csrftoken"]}
    answer = session.post(
        f"{base}/login/",
        data={"username": "loader", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={
            **HTTPS,
            "Referer": f"https://{base.removeprefix('http://')}/login/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
        allow_redirects=False,
        timeout=10,
    )
    if "sessionid" not in answer.cookies:
        raise SystemExit(f"Signing in failed: HTTP {answer.status_code}")
    cookies["sessionid"] = answer.cookies["sessionid"]
    session.cookies.clear()
    session.headers.update({**HTTPS, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    return session


def run_clients(base: str, urls: dict[str, str]) -> tuple[dict[str, list[float]], list[str]]:
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS
    sessions = [signed_in(base) for _ in range(CLIENTS)]

    def client(number: int) -> None:
        names = list(urls)
        turn = number
        while time.monotonic() < stop_at:
            name = names[turn % len(names)]
            turn += 1
            started = time.perf_counter()
            try:
                answer = sessions[number].get(base + urls[name], timeout=30, allow_redirects=False)
                status = str(answer.status_code)
            except requests.RequestException as problem:
                status = type(problem).__name__
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                times[name].append(elapsed)
                if status != "200":
                    errors.append(f"{name}: {status}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    incident = prepare()
    calibration = cpu_calibration_ms()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="evidencehub-load-static-") as static_root:
        server = start_gunicorn(port, static_root)
        try:
            times, errors = run_clients(f"http://127.0.0.1:{port}", pages(incident))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    every = [value for values in times.values() for value in values]
    print(
        f"\nLoad on PostgreSQL, {INCIDENTS:,} incidents, gunicorn {WORKERS} workers × "
        f"{THREADS} threads, {CLIENTS} clients for {SECONDS:.0f} s: {len(every):,} requests"
    )
    print(f"{'page':<22} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, values in times.items():
        print(
            f"{name:<22} {len(values):>8} {statistics.median(values):>8.0f} "
            f"{percentile(values, 0.99):>8.0f}"
        )
    overall = percentile(every, 0.99)
    print(
        f"CPU calibration (a 10**7-step Python loop, best of 3; compare runs only when these "
        f"agree): {calibration:.0f} ms before, {cpu_calibration_ms():.0f} ms after"
    )
    print(f"{'all':<22} {len(every):>8} {statistics.median(every):>8.0f} {overall:>8.0f}")
    failed = overall >= P99_BUDGET_MS or bool(errors)
    verdict = "OVER BUDGET" if failed else "within budget"
    print(
        f"p99 {overall:.0f} ms (budget < {P99_BUDGET_MS:.0f} ms), errors {len(errors)}: {verdict}"
    )
    for error in sorted(set(errors))[:10]:
        print("  error:", error)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
