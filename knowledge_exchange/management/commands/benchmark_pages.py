"""Every page each role uses, at the reference volume, served by gunicorn on loopback.

Run `seed_reference_volume` first. For each page this prints its queries (counted in
process, each SELECT explained with ANALYZE: a sequential scan of a table of over
10,000 rows, a sort spilling to disk or an OFFSET past 5,000 is flagged), then its
p50 and p95 over HTTP, its size, and its p95 as a multiple of `/healthz/`'s p95 in the
same run; then each worker's RSS after 1,000 and after 10,000 mixed requests.
"""

import http.client
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse

from applications.models import Application, Call
from knowledge_exchange import reference
from partners.models import ProgrammeYear, User
from placements.models import Placement

BIG_TABLE = 10_000  # rows: a sequential scan of a bigger table is flagged
DEEPEST_OFFSET = 5_000
# (queries, x healthz p95). Admin changelists are held to 6 queries; the admin's other
# pages (its index, the year overview of every app's sections) to an app page's 10.
LIMITS = {
    "app": (10, 25),
    "report": (10, 30),
    "changelist": (6, 100),
    "admin": (10, 100),
}


@dataclass
class Page:
    role: str
    url: str
    kind: str = "app"
    queries: int = 0
    flags: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    size: int = 0
    status: int = 0


class Command(BaseCommand):
    help = (
        "Serve the reference volume with gunicorn on loopback and measure every page each "
        "role uses: queries and their plans, p50 and p95, size, and worker memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", help="The reference volume's database.")
        parser.add_argument("--repeat", type=int, default=20, help="Timed requests a page.")
        parser.add_argument("--requests", type=int, default=10_000, help="For worker memory.")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--only", help="Only the pages whose address contains this.")

    def handle(self, *args, database, repeat, requests, workers, port, only, **options):
        name = reference.database_name(database)
        reference.use_database(name)
        setup_test_environment(debug=False)  # the in-process client, as in production
        if not User.objects.filter(email=reference.DEMO_PEOPLE["manager"][0]).exists():
            raise CommandError(f"No reference volume in {name}: run seed_reference_volume.")
        sessions, pages = self._pages()
        if only:
            pages = [page for page in pages if only in page.url or page.url == "/healthz/"]
        self.stdout.write(self._load())
        for page in pages:
            self._explain(page)
        with _gunicorn(name, port, workers) as server:
            for page in pages:
                # The yardstick is timed ten times as often, so one slow answer does
                # not make its p95.
                self._time(page, sessions, port, repeat * (10 if page is pages[0] else 1))
            self._report(pages)
            self._memory(server, pages, sessions, port, requests)

    def _load(self) -> str:
        load = os.getloadavg()
        return (
            f"Machine: {os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
            f"at the start; database {connection.settings_dict['NAME']}."
        )

    def _pages(self) -> tuple[dict[str, str], list[Page]]:
        people = reference.demo_people(reference.Volume())
        users = {role: User.objects.get(email=email) for role, (email, _pk) in people.items()}
        sessions = {"public": ""}
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        year = ProgrammeYear.objects.latest("year")
        host_call = Call.objects.get(year=year, organisation_id=reference.HOST)
        partner_call = Call.objects.get(year=year, organisation_id=reference.BIG_PARTNER)
        own = Application.objects.filter(applicant=users["host_staff"]).latest("pk")
        placement = Placement.objects.filter(participant=users["host_staff"]).latest("pk")
        coming = Application.objects.filter(destination_id=reference.HOST, call__year=year)
        pages = [Page("public", "/healthz/")]
        pages += [
            Page("public", url)
            for url in ("/", "/calls/", f"/calls/{host_call.pk}/", f"/programme/{year.year}/")
        ]
        for role in ("host_staff", "partner_staff"):
            pages += [Page(role, url) for url in ("/dashboard/", "/applications/", "/placements/")]
        pages += [
            Page("host_staff", url)
            for url in (
                f"/applications/{own.pk}/",
                f"/placements/{placement.pk}/",
                f"/placements/{placement.pk}/plan/",
                "/evaluations/",
                "/testimonials/",
                "/reading/",
            )
        ]
        pages += [
            Page("supervisor", url) for url in ("/dashboard/", "/placements/", "/evaluations/")
        ]
        for role, call in (("host_coordinator", host_call), ("partner_coordinator", partner_call)):
            application = call.applications.earliest("pk")
            pages += [
                Page(role, url)
                for url in (
                    "/dashboard/",
                    "/review/",
                    f"/review/calls/{call.pk}/",
                    f"/review/applications/{application.pk}/",
                    "/hosting/",
                    "/approvals/",
                    "/calendar/",
                    "/partnerships/",
                    "/placements/",
                    "/review/selection/",
                    f"/review/calls/{call.pk}/panel/",
                    f"/review/calls/{call.pk}/criteria/",
                )
            ]
            pages += [
                Page(role, "/reports/", "report"),
                Page(role, "/reports/export.csv", "report"),
                Page(role, f"/review/calls/{call.pk}/scores.csv", "report"),
            ]
        pages.append(Page("host_coordinator", f"/hosting/{coming.earliest('pk').pk}/"))
        pages += [
            Page("manager", url)
            for url in (
                "/dashboard/",
                "/partnerships/",
                "/review/",
                "/review/selection/",
                "/hosting/",
                "/approvals/",
            )
        ]
        pages += [
            Page("manager", "/calendar/"),
            Page("manager", "/reports/", "report"),
            Page("manager", "/reports/export.csv", "report"),
            Page("manager", f"/reports/?year={year.year}", "report"),
            Page("manager", "/admin/", "admin"),
            Page("manager", f"/admin/partners/programmeyear/{year.pk}/overview/", "admin"),
        ]
        manager = users["manager"]
        for model in admin.site._registry:
            opts = model._meta
            if not manager.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
                continue  # not a page the manager uses
            pages.append(
                Page(
                    "manager",
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
                    "changelist",
                )
            )
        return sessions, pages

    def _explain(self, page: Page) -> None:
        """Count the page's queries in process, and explain each SELECT."""
        client = Client()
        if page.role != "public":
            client.force_login(User.objects.get(email=_email(page.role)))
        client.get(page.url)  # as it stands once warm (a year's report figures counted)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.url)
        page.status = response.status_code
        page.queries = len(captured.captured_queries)
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                sql = query["sql"]
                offset = re.search(r"\bOFFSET (\d+)", sql)
                if offset and int(offset.group(1)) > DEEPEST_OFFSET:
                    page.flags.append(f"OFFSET {offset.group(1)}")
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
                if isinstance(plan, str):
                    plan = json.loads(plan)
                page.flags += _plan_flags(plan[0]["Plan"], cursor)

    def _time(self, page: Page, sessions: dict, port: int, repeat: int) -> None:
        cookie = sessions[page.role]
        for _ in range(2):  # warm the worker
            _get(port, page.url, cookie)
        for _ in range(repeat):
            started = time.perf_counter()
            status, size = _get(port, page.url, cookie)
            page.times.append(time.perf_counter() - started)
            page.size = size
            if status != page.status:
                page.flags.append(f"HTTP {status}")

    def _report(self, pages: list[Page]) -> None:
        health = _p95(pages[0].times)
        self.stdout.write(
            f"{'role':<20} {'page':<46} {'HTTP':>4} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'KB':>6} {'x healthz':>9}  flags"
        )
        failures = []
        for page in pages:
            p95 = _p95(page.times)
            ratio = p95 / health
            most_queries, most_ratio = LIMITS[page.kind]
            over = []
            if page.queries > most_queries:
                over.append(f"queries > {most_queries}")
            if ratio > most_ratio:
                over.append(f"p95 > {most_ratio}x")
            if page.status != 200:
                over.append(f"HTTP {page.status}")
            flags = sorted(set(page.flags)) + over
            if flags and page.url != "/healthz/":
                failures.append(f"{page.role} {page.url}")
            self.stdout.write(
                f"{page.role:<20} {page.url[:46]:<46} {page.status:>4} {page.queries:>7} "
                f"{statistics.median(page.times) * 1000:>8.1f} {p95 * 1000:>8.1f} "
                f"{page.size / 1024:>6.0f} {ratio:>9.1f}  {'; '.join(flags)}"
            )
        self.stdout.write(
            f"{len(pages) - len(failures)} of {len(pages)} pages within every limit."
            + (f" Over a limit: {', '.join(failures)}." if failures else "")
        )

    def _memory(self, server, pages, sessions, port, requests) -> None:
        mixed = itertools.cycle([page for page in pages if page.kind == "app"] or pages)
        lock = threading.Lock()
        done = [0]
        marks = {min(1_000, requests), requests}
        readings = {}

        def client():
            while True:
                with lock:
                    if done[0] >= requests:
                        return
                    page = next(mixed)
                _get(port, page.url, sessions[page.role])
                with lock:
                    done[0] += 1
                    if done[0] in marks:
                        readings[done[0]] = _worker_rss(server.pid)

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        for count in sorted(readings):
            rss = ", ".join(f"{kb / 1024:.0f} MB" for kb in readings[count])
            self.stdout.write(f"Worker RSS after {count:,} mixed requests: {rss}")
        if len(readings) == 2:
            first, last = (readings[count] for count in sorted(readings))
            growth = max((b - a) / a * 100 for a, b in zip(first, last, strict=False))
            self.stdout.write(
                f"Largest growth {growth:.1f}%; {requests / elapsed:.0f} requests a second "
                f"with two clients; load {os.getloadavg()[0]:.2f} at the end."
            )


def _email(role: str) -> str:
    return reference.demo_people(reference.Volume())[role][0]


def _plan_flags(node: dict, cursor) -> list[str]:
    """A sequential scan that reads more than BIG_TABLE rows of a table bigger than that
    (one stopped early by a LIMIT reads only what it needs), or a sort spilling to disk."""
    flags = []
    if node.get("Node Type") == "Seq Scan":
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [node["Relation Name"]]
        )
        rows = cursor.fetchone()[0]
        read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node.get(
            "Actual Loops", 1
        )
        if rows > BIG_TABLE and read > BIG_TABLE:
            flags.append(f"seq scan {node['Relation Name']}")
    if node.get("Sort Space Type") == "Disk":
        flags.append("sort on disk")
    for child in node.get("Plans", []):
        flags += _plan_flags(child, cursor)
    return flags


def _get(port: int, url: str, session: str) -> tuple[int, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    if session:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
    conn.request("GET", url, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, len(body)


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]


def _worker_rss(master: int) -> list[int]:
    """Each gunicorn worker's resident memory, in KB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]))
    return sizes


class _gunicorn:
    """gunicorn with the production settings on loopback, against the reference volume."""

    def __init__(self, database: str, port: int, workers: int):
        self.database, self.port, self.workers = database, port, workers

    def __enter__(self):
        self.static = tempfile.TemporaryDirectory()
        url = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "knowledge_exchange.settings.production",
            "SECRET_KEY": settings.SECRET_KEY,  # the sessions made in process are signed with it
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_STATIC_ROOT": self.static.name,
            "DATABASE_URL": (
                f"postgres://{url['USER']}:{url['PASSWORD']}@{url['HOST']}:{url['PORT'] or 5432}"
                f"/{self.database}"
            ),
        }
        subprocess.run(  # this project, fixed arguments
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            check=True,
            cwd=settings.BASE_DIR,
        )
        self.process = subprocess.Popen(  # noqa: S603  # this project, fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "knowledge_exchange.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(self.port, "/healthz/", "")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.__exit__()
            raise CommandError("gunicorn did not answer /healthz/ within a minute.")
        self.pid = self.process.pid
        return self

    def __exit__(self, *_exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.static.cleanup()
