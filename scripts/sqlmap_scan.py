"""Run sqlmap against a running demo server, logged in as each role, on every query parameter and
the search and login forms; exit 1 if sqlmap reports an injectable parameter or could not test one.

    integration-centre quickstart --port 5077 &            # the demo server (SQLite)
    python -m venv /tmp/sqlmap && /tmp/sqlmap/bin/pip install sqlmap
    python scripts/sqlmap_scan.py --base http://127.0.0.1:5077 --sqlmap /tmp/sqlmap/bin/sqlmap \
        --instance instance --totp-secret <the admin key quickstart printed>

sqlmap is a manual security check, not a test dependency: it is not in the locks. A token for
the API is created with ``integration-centre api token create``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp

TARGETS = {
    "agent": [
        "/agent?view=mine&sort=deadline&dir=asc&status=active&version=1&page=1",
        "/search",
    ],
    "operator": ["/operator/referrals?tab=open&service_type=french&page=1"],
    "committee": [
        "/statistics/?period=2026-Q3&scope=region",
        "/statistics/trends?table=received_nationality_sex&scope=region",
    ],
    "admin": ["/admin/users?sort=email&dir=asc&page=1&role=agent", "/admin/audit/?page=1"],
}
SEARCH_FORM = "csrf_token=x&family_name=Dupont&given_names=Marie&date_of_birth=1990-01-01&niss=85073003328&page=1"


class _Cookies(urllib.request.BaseHandler):
    """Keeps every cookie the server sets and sends them back, ``Secure`` ones included: the demo
    server speaks plain HTTP on localhost, where browsers send them too."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def http_request(self, request):
        if self.values:
            request.add_unredirected_header("Cookie", self.header())
        return request

    def http_response(self, request, response):
        for line in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            self.values[name.strip()] = rest.split(";", 1)[0]
        return response

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.values.items())


def _opener() -> tuple[urllib.request.OpenerDirector, _Cookies]:
    cookies = _Cookies()
    return urllib.request.build_opener(cookies), cookies


def _csrf(opener, url: str) -> str:
    page = opener.open(url).read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if match is None:
        raise SystemExit(f"no CSRF token on {url}")
    return match.group(1)


def login(base: str, email: str, password: str, totp_secret: str | None) -> str:
    """Log in and return the session's Cookie header."""
    opener, cookies = _opener()
    token = _csrf(opener, f"{base}/login")
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    response = opener.open(f"{base}/login", data)
    if response.geturl().endswith("/login/code"):
        token = _csrf(opener, response.geturl())
        code = pyotp.TOTP(totp_secret).now()
        opener.open(response.geturl(), urllib.parse.urlencode({"csrf_token": token, "code": code}).encode())
    return cookies.header()


def sqlmap(binary: str, url: str, output: Path, *extra: str) -> bool:
    """Run sqlmap on ``url``; True when it reports an injectable parameter."""
    command = [
        binary,
        "-u",
        url,
        "--batch",
        "--level=2",
        "--risk=1",
        "--flush-session",
        "--disable-coloring",
        f"--output-dir={output}",
        *extra,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own arguments
    output.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9]+", "_", url.split("//", 1)[-1])[:80]
    (output / f"{name}.txt").write_text(result.stdout + result.stderr)
    found = "identified the following injection point" in result.stdout
    clean = "do not appear to be injectable" in result.stdout
    verdict = "INJECTABLE" if found else "clean" if clean else "UNTESTED"
    print(f"{verdict:10} {url}", flush=True)
    return found or not clean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5077")
    parser.add_argument("--sqlmap", default="sqlmap")
    parser.add_argument("--instance", default="instance", help="instance folder (reads demo_password)")
    parser.add_argument("--totp-secret", required=True, help="the admin's TOTP key printed by quickstart")
    parser.add_argument("--api-token", help="an operator API token (integration-centre api token create)")
    parser.add_argument("--output", default="reports/sqlmap")
    args = parser.parse_args()
    password = (Path(args.instance) / "demo_password").read_text().strip()
    output = Path(args.output)
    found = False
    for role, paths in TARGETS.items():
        cookie = login(args.base, f"{role}@demo.example", password, args.totp_secret)
        for path in paths:
            extra = [f"--cookie={cookie}"]
            if path == "/search":
                extra += [f"--data={SEARCH_FORM}", "--csrf-token=csrf_token", f"--csrf-url={args.base}/search"]
            found |= sqlmap(args.sqlmap, f"{args.base}{path}", output, *extra)
    found |= sqlmap(
        args.sqlmap,
        f"{args.base}/login",
        output,
        "--data=csrf_token=x&email=agent@demo.example&password=x",
        "--csrf-token=csrf_token",
        f"--csrf-url={args.base}/login",
    )
    if args.api_token:
        found |= sqlmap(
            args.sqlmap,
            f"{args.base}/api/v1/referrals?state=open&page=1&per_page=10",
            output,
            f"--headers=Authorization: Bearer {args.api_token}",
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
