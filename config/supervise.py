"""Keep one command running: restart it whenever it exits without being asked to.

    python -m config.supervise celery -A config worker ...

The Procfile runs the worker and beat under it. honcho (`make up`) stops every process as
soon as one exits, so without this a worker that dies (a broker outage it could not ride
out, an out-of-memory kill) would take the web process down with it. SIGTERM, SIGINT and
SIGHUP are passed on to the command; once one has arrived the supervisor exits with the
command's status instead of restarting it. Restarts back off from 1 s to 30 s and reset
once the command has stayed up for a minute. (Containers get the same from the compose
file's `restart: unless-stopped`.)
"""

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

logger = logging.getLogger("podium.supervise")

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Supervisor:
    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def forward(self, signum: int, frame: FrameType | None) -> None:  # noqa: ARG002 - a signal handler's signature
        """Signal handler: pass the signal on and stop supervising."""
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    def run(self) -> int:
        """Run the command until a stop signal; return its last exit status."""
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            started = time.monotonic()
            self.child = subprocess.Popen(self.command)  # noqa: S603 - the Procfile's own command
            returncode = self.child.wait()
            status = returncode if returncode >= 0 else 128 - returncode  # killed by a signal: 128 + its number
            if self.stopping:
                return status
            if time.monotonic() - started >= STABLE_AFTER_SECONDS:
                backoff = FIRST_BACKOFF_SECONDS
            logger.error("%s exited with status %s; restarting in %.0f s", self.command[0], status, backoff)
            self.pause(backoff)
            if self.stopping:
                return status
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def pause(self, seconds: float) -> None:
        """Sleep before a restart, cut short by a stop signal."""
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.1)


def main(argv: Sequence[str]) -> int:
    if not argv:
        print("usage: python -m config.supervise COMMAND [ARG ...]", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    supervisor = Supervisor(argv)
    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, supervisor.forward)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
