"""The outbox under faults, measured: emails due, one fault after another, and for
each how many were expected, delivered, missing and duplicated, and how long after
the fault ended the last one went.

Everything is real and of the run's own: a throwaway database (`test_<name>`), a Redis
started on a spare port as the broker, an SMTP server (aiosmtpd, a dev requirement)
that counts each Message-ID, and Celery worker processes. The benchmark plays beat:
it asks for the relay every `--tick` seconds. Back-off and leases are shortened to
seconds (OUTBOX_RETRY_SECONDS=1, OUTBOX_LEASE_SECONDS=5, EMAIL_TIMEOUT=2) so a run
takes minutes; in production they are a minute, two minutes and 20 seconds.
"""

import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core import outbox
from core.models import Email
from knowledge_exchange.benchmark import throwaway_database, worker_command
from knowledge_exchange.celery import app as celery_app

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[3]
WORKER_SETTINGS = {
    "OUTBOX_RETRY_SECONDS": "1",
    "OUTBOX_LEASE_SECONDS": "5",
    "EMAIL_TIMEOUT": "2",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, *, up: bool = True, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (socket.socket().connect_ex(("127.0.0.1", port)) == 0) != up:
        if time.monotonic() > deadline:
            raise CommandError(f"port {port} did not come {'up' if up else 'down'}")
        time.sleep(0.05)


class Mailbox:
    """An SMTP server that counts every message by its Message-ID; it can be stopped
    (connections refused) or replaced by one that accepts and never answers."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.port = port
        self.received: Counter = Counter()
        self._lock = threading.Lock()
        self._controller_class = Controller
        self._controller: Any = None
        self._hanging: socket.socket | None = None

    async def handle_DATA(self, server, session, envelope):
        head = envelope.content.decode(errors="replace").split("\r\n\r\n", 1)[0]
        for line in head.splitlines():
            if line.lower().startswith("message-id:"):
                with self._lock:
                    self.received[line.split(":", 1)[1].strip()] += 1
        return "250 Message accepted for delivery"

    def up(self) -> None:
        self.down()
        self._controller = self._controller_class(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._hanging is not None:
            self._hanging.close()
            self._hanging = None

    def hang(self) -> None:
        self.down()
        self._hanging = socket.socket()
        self._hanging.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._hanging.bind(("127.0.0.1", self.port))
        self._hanging.listen(100)


class Command(BaseCommand):
    help = (
        "The outbox under real faults (broker unreachable, Redis restarted, mail server "
        "refusing or hanging, workers SIGKILLed, database connections terminated): "
        "prints expected, delivered, missing, duplicated and the time to recover."
    )

    def add_arguments(self, parser):
        parser.add_argument("--emails", type=int, default=500)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--tick", type=float, default=1.0, help="seconds between relays")
        parser.add_argument("--fault-seconds", type=float, default=10.0)

    def handle(self, *args, emails, workers, tick, fault_seconds, **options):
        try:
            import aiosmtpd  # noqa: F401
        except ImportError:
            raise CommandError("needs the dev requirements (aiosmtpd): make install-dev") from None
        self.redis_server = shutil.which("redis-server")
        if self.redis_server is None:
            raise CommandError("needs redis-server on the path to start a Redis of its own")
        if connection.vendor != "postgresql":
            raise CommandError("needs PostgreSQL: set DATABASE_URL=postgres://...")
        self.emails, self.tick, self.fault = emails, tick, fault_seconds
        with throwaway_database(), self._services(workers):
            self.stdout.write(
                f"{emails} emails per fault, {workers} worker(s), relay every {tick:g} s, "
                f"faults of {fault_seconds:g} s; retry after 1 s, lease 5 s, EMAIL_TIMEOUT 2 s."
            )
            self.stdout.write(
                f"{'fault':<44}{'expected':>9}{'delivered':>10}{'missing':>8}"
                f"{'twice':>6}{'recovered in':>14}"
            )
            self._scenario("none", lambda: None, lambda: None)
            self._scenario(
                "broker unreachable while deciding",
                self._broker_off,
                self._broker_on,
                during_writes=True,
            )
            self._scenario("Redis restarted (queue lost)", self._redis_down, self._redis_up)
            self._scenario("mail server refusing", self.mailbox.down, self.mailbox.up)
            self._scenario(
                "mail server accepting, never answering", self.mailbox.hang, self.mailbox.up
            )
            self._scenario("workers SIGKILLed mid-send", self._kill_workers, lambda: None)
            self._scenario(
                "database connections terminated", self._terminate_backends, lambda: None
            )

    # --- Services -------------------------------------------------------------------

    @contextmanager
    def _services(self, workers: int):
        self.redis_port, smtp_port = _free_port(), _free_port()
        self.broker = f"redis://127.0.0.1:{self.redis_port}/0"
        self._redis_up()
        self.mailbox = Mailbox(smtp_port)
        self.mailbox.up()
        database = connection.settings_dict
        self.worker_env = {
            **os.environ,
            **WORKER_SETTINGS,
            "DJANGO_SETTINGS_MODULE": "knowledge_exchange.settings.local",
            "CELERY_BROKER_URL": self.broker,
            "REDIS_URL": "",
            "DATABASE_URL": (
                f"postgres://{database['USER']}"
                + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
                + f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
                + f"/{database['NAME']}"
            ),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "LOG_LEVEL": "WARNING",
        }
        saved = (os.environ.get("CELERY_BROKER_URL", ""), celery_app.conf.task_always_eager)
        celery_app.conf.task_always_eager = False
        self._point_at(self.broker)
        self.workers = [self._start_worker() for _ in range(workers)]
        try:
            yield
        finally:
            for worker in self.workers:
                worker.kill()
                worker.wait()
            self.mailbox.down()
            self._redis_down()
            celery_app.conf.task_always_eager = saved[1]
            self._point_at(saved[0])

    def _start_worker(self) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603  # this project's own worker, fixed arguments
            worker_command(),
            cwd=PROJECT_ROOT,
            env=self.worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _point_at(self, url: str) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its settings.
        os.environ["CELERY_BROKER_URL"] = url
        celery_app._after_fork()  # type: ignore[attr-defined]  # drop pooled connections

    def _redis_up(self) -> None:
        self.redis = subprocess.Popen(  # noqa: S603  # fixed arguments, a port of our own
            [self.redis_server, "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        _wait_for_port(self.redis_port)

    def _redis_down(self) -> None:
        self.redis.terminate()
        self.redis.wait()
        _wait_for_port(self.redis_port, up=False)

    def _broker_off(self) -> None:
        self._point_at(f"redis://127.0.0.1:{_free_port()}/0")

    def _broker_on(self) -> None:
        self._point_at(self.broker)

    def _kill_workers(self) -> None:
        """Kill a worker every half second for the fault's length, starting another."""
        deadline = time.monotonic() + self.fault
        while time.monotonic() < deadline:
            time.sleep(0.5)
            victim = self.workers.pop(0)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            self.workers.append(self._start_worker())

    def _terminate_backends(self) -> None:
        """Terminate every other connection to the database each half second."""
        deadline = time.monotonic() + self.fault
        while time.monotonic() < deadline:
            time.sleep(0.5)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

    # --- One fault ------------------------------------------------------------------

    def _scenario(
        self,
        name: str,
        start: Callable[[], None],
        end: Callable[[], None],
        *,
        during_writes: bool = False,
    ) -> None:
        before = set(Email.objects.values_list("message_id", flat=True))
        beat = threading.Event()
        relays = threading.Thread(target=self._beat, args=(beat,), daemon=True)
        if during_writes:
            start()
        self._write()
        if not during_writes:
            start()
        relays.start()
        if name != "none" and start not in (self._kill_workers, self._terminate_backends):
            time.sleep(self.fault)
        end()
        ended = time.monotonic()
        expected = set(Email.objects.values_list("message_id", flat=True)) - before
        deadline = ended + 120 + self.fault
        while time.monotonic() < deadline:
            if Email.objects.filter(message_id__in=expected, state=Email.State.SENT).count() == len(
                expected
            ) and expected <= set(self.mailbox.received):
                break
            time.sleep(0.2)
        recovered = time.monotonic() - ended
        beat.set()
        relays.join()
        time.sleep(1)  # anything sent twice has arrived
        delivered = expected & set(self.mailbox.received)
        twice = sum(self.mailbox.received[m] - 1 for m in delivered)
        self.stdout.write(
            f"{name:<44}{len(expected):>9}{len(delivered):>10}{len(expected - delivered):>8}"
            f"{twice:>6}{recovered:>13.1f}s"
        )

    def _write(self) -> None:
        """The emails, written in one transaction as a decision writes its own."""
        with transaction.atomic():
            for number in range(self.emails):
                outbox.write(
                    EmailMultiAlternatives(
                        f"Benchmark {number}", "Body", to=[f"person{number}@example.org"]
                    )
                )

    def _beat(self, stop: threading.Event) -> None:
        while not stop.wait(self.tick):
            try:
                outbox.relay_outbox.apply_async(retry=False)
            except Exception as error:  # the broker is down: beat would miss this tick too
                logger.info("No relay this tick: %s", error)
