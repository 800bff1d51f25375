"""``manage.py jobs_worker``: the procrastinate job worker, kept running through database outages.

It takes every option of ``manage.py procrastinate worker`` (``--queues``, ``--concurrency``, …, and their
``PROCRASTINATE_WORKER_*`` variables) and runs that worker in a loop. procrastinate stops its worker, with
exit status 0, as soon as one of its side tasks (the LISTEN connection, the heartbeat) loses PostgreSQL: a
2-second ``pg_ctl restart`` was enough to leave every job waiting until someone restarted the worker by hand.
Here a worker that stops without being asked is started again on a fresh connection pool, after 1, 2, 4 …
seconds (at most ``WORKER_RESTART_MAX_SECONDS``); the wait starts again from 1 s once a worker has run for
``WORKER_STABLE_SECONDS``. A job that was running when the database went away is taken again after the
restart (procrastinate marks a stalled worker's jobs as such; referrals have their own lease and sweep).

SIGTERM or SIGINT stops it gracefully (running jobs finish, up to ``--shutdown-graceful-timeout``) and it
exits 0; a second signal aborts the running jobs. It exits 1 only when it cannot start at all (bad options).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from procrastinate import cli, worker
from procrastinate.contrib.django import app as django_app

logger = logging.getLogger("lantern.jobs_worker")

RESTART_FIRST_SECONDS = 1.0
WORKER_RESTART_MAX_SECONDS = 30.0
# A worker that ran this long was healthy: its next failure is a new outage, waited for from 1 s again.
WORKER_STABLE_SECONDS = 60.0


def restart_delay(previous: float | None, ran_for: float) -> float:
    """Seconds to wait before starting a worker again: doubling after each quick failure, back to the first
    delay once the last worker ran stably."""
    if previous is None or ran_for >= WORKER_STABLE_SECONDS:
        return RESTART_FIRST_SECONDS
    return min(previous * 2, WORKER_RESTART_MAX_SECONDS)


class Command(BaseCommand):
    help = "Run the job worker (options of `procrastinate worker`), restarting it when it loses the database."

    def add_arguments(self, parser: CommandParser) -> None:
        # The very options of `procrastinate worker`, so that a deployment can switch commands without
        # rewriting its flags.
        subparsers = argparse.ArgumentParser(add_help=False).add_subparsers()
        cli.configure_worker_parser(subparsers)
        for action in subparsers.choices["worker"]._actions:
            if not isinstance(action, argparse._HelpAction):
                parser._add_action(action)

    def handle(self, *args: Any, **options: Any) -> None:
        known = {"name", "queues", "concurrency", "fetch_job_polling_interval", "abort_job_polling_interval",
                 "shutdown_graceful_timeout", "wait", "listen_notify", "delete_jobs"}
        worker_options = {key: value for key, value in options.items() if key in known}
        asyncio.run(_supervise(worker_options))


async def _supervise(worker_options: dict[str, Any]) -> None:
    django_connector = django_app.connector
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    current: list[worker.Worker] = []

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stopping.is_set():
            # As procrastinate's own worker does: a second signal is not graceful.
            logger.warning("second %s: stopping now, running jobs are abandoned (they will be taken again)", name)
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        logger.info("%s: stopping the job worker once its running jobs finish", name)
        stopping.set()
        for running in current:
            running.stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)

    delay: float | None = None
    while not stopping.is_set():
        started = loop.time()
        # A fresh connector (and pool) each time: the old one's connections died with the database.
        connector = django_connector.get_worker_connector()
        with django_app.replace_connector(connector) as worker_app:
            try:
                async with worker_app.open_async():
                    options = {**worker_app.worker_defaults, **worker_options, "install_signal_handlers": False}
                    running = worker.Worker(app=worker_app, **options)
                    current[:] = [running]
                    if not stopping.is_set():
                        await running.run()
            except Exception as exc:
                logger.error("the job worker failed: %s", _causes(exc))
                try:
                    await connector.close_async()
                except Exception as close_error:
                    logger.debug("closing the failed worker's pool: %s", close_error)
            finally:
                current.clear()
        if stopping.is_set() or worker_options.get("wait") is False:
            return
        delay = restart_delay(delay, loop.time() - started)
        logger.warning("the job worker stopped without being asked (database gone?); starting it again in %g s",
                       delay)
        try:
            await asyncio.wait_for(stopping.wait(), timeout=delay)
        except TimeoutError:
            pass


def _causes(exc: BaseException) -> str:
    messages = []
    seen: BaseException | None = exc
    while seen is not None and len(messages) < 4:
        messages.append(f"{type(seen).__name__}: {str(seen).strip()}")
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(messages)
