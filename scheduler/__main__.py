"""``python -m scheduler``: runs every daily job once at start-up, then on its cron (Asia/Ho_Chi_Minh).

It runs in its own process and never inside the web workers: with N gunicorn workers an in-process
scheduler would run everything N times.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from registry import create_app
from registry.core.dates import local_timezone, local_today
from scheduler.jobs import JOBS, run_job

log = logging.getLogger("scheduler")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app()
    with app.app_context():
        timezone = local_timezone()

    def run(name: str) -> None:
        with app.app_context():
            today = local_today()
        log.info("job started: %s", name)
        log.info("job finished: %s", run_job(app, name, today))

    scheduler = BlockingScheduler(timezone=timezone)
    for name, (_job, (hour, minute)) in JOBS.items():
        # coalesce + max_instances=1: a backlog after downtime runs once, never in parallel with itself.
        scheduler.add_job(
            run,
            CronTrigger(hour=hour, minute=minute, timezone=timezone),
            args=[name],
            id=name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
        run(name)
    log.info("scheduler started with jobs: %s", ", ".join(JOBS))
    scheduler.start()


if __name__ == "__main__":
    main()
