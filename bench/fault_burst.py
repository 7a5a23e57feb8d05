"""The fault run's burst: members submit their ballot through the web form and the API, each
answer recorded with whether the server acknowledged it.

Each kind (web, API) has its members in a queue and a few client threads; member i of a kind is
not sent before `i * seconds / members` into the burst, so the requests spread over the whole
burst (and over every fault in it) instead of finishing early; a client that falls behind
sends at once. New connection per request (gunicorn's sync workers close it after each).
"""

import http.client
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from awards.models import Edition
from bench.stack import CSRF, OPEN_EDITION
from config.api_errors import error_body
from config.database import INTERRUPTED, TRY_AGAIN

WEB, API = "web", "api"
TIMEOUT_SECONDS = 40.0  # past gunicorn's 30 s worker timeout: a hung request shows as no answer


@dataclass(frozen=True)
class Member:
    kind: str
    user_id: int
    secret: str  # the session cookie (web) or the API token (API)


@dataclass
class Attempt:
    """One ballot posted: what came back, and whether it was an acknowledgement."""

    member: Member
    started: float  # seconds since the burst began
    seconds: float  # how long the answer took
    status: int | None  # None: no answer (connection refused, reset or timed out)
    acknowledged: bool
    try_again: bool  # the 503 "nothing was changed: please try again" answer of its kind
    detail: str = ""


def api_selections(form_body: str) -> dict[str, list[int]]:
    """The web form's ballot (`bench.stack.ballot_body`) as the API's selections: slug to nominee ids, best first."""
    slugs = dict(Edition.objects.get(slug=OPEN_EDITION).categories.values_list("pk", "slug"))
    ranked: dict[str, list[tuple[int, int]]] = {}
    for key, value in urllib.parse.parse_qsl(form_body):
        parts = key.split("-")
        if parts[0] != "category":
            continue
        slug = slugs[int(parts[1])]
        if len(parts) == 3:  # a rank box: category-<id>-<nominee> = rank
            ranked.setdefault(slug, []).append((int(value), int(parts[2])))
        else:
            ranked.setdefault(slug, []).append((len(ranked.get(slug, [])), int(value)))
    return {slug: [nominee for _, nominee in sorted(pairs)] for slug, pairs in ranked.items()}


class Burst:
    """`clients` threads per kind post one ballot per member for `seconds`, paced over the burst."""

    def __init__(self, port: int, members: dict[str, list[Member]], form_body: Path, seconds: float, clients: int):
        self.port, self.members, self.seconds, self.clients = port, members, seconds, clients
        self.form_body = form_body.read_bytes()
        self.api_body = json.dumps({"version": 0, "selections": api_selections(form_body.read_text())}).encode()
        self.attempts: list[Attempt] = []
        self.lock = threading.Lock()
        self.next = dict.fromkeys(members, 0)
        self.started = 0.0

    def start(self) -> list[threading.Thread]:
        self.started = time.monotonic()
        threads = [
            threading.Thread(target=self._client, args=(kind,), daemon=True)
            for kind in self.members
            for _ in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        return threads

    def _take(self, kind: str) -> tuple[Member, float] | None:
        with self.lock:
            index = self.next[kind]
            queue = self.members[kind]
            if index >= len(queue) or time.monotonic() - self.started >= self.seconds:
                return None
            self.next[kind] = index + 1
        return queue[index], self.started + index * self.seconds / len(queue)

    def _client(self, kind: str) -> None:
        while (taken := self._take(kind)) is not None:
            member, due = taken
            time.sleep(max(0.0, due - time.monotonic()))
            attempt = self.post(member)
            with self.lock:
                self.attempts.append(attempt)

    def post(self, member: Member) -> Attempt:
        sent = time.monotonic()
        started = sent - self.started
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_SECONDS)
        try:
            if member.kind == WEB:
                connection.request("POST", f"/editions/{OPEN_EDITION}/ballot/submit/", self.form_body, _web(member))
            else:
                connection.request("PUT", f"/api/v1/editions/{OPEN_EDITION}/ballot", self.api_body, _api(member))
            response = connection.getresponse()
            body = response.read()
        except OSError as error:
            return Attempt(member, started, time.monotonic() - sent, None, False, False, type(error).__name__)
        finally:
            connection.close()
        took = time.monotonic() - sent
        if member.kind == WEB:
            location = response.getheader("Location") or ""
            acknowledged = response.status == 302 and location.endswith("/ballot/done/")
            page = body.decode(errors="replace")
            # The form's "try again" (choices kept), or the page of a request that lost the database
            # before the ballot view ran (config.database.LostConnectionMiddleware).
            try_again = response.status == 503 and (TRY_AGAIN in page or INTERRUPTED in page)
            shape = "form" if TRY_AGAIN in page else "page" if INTERRUPTED in page else ""
            return Attempt(member, started, took, response.status, acknowledged, try_again, location or shape)
        document = _json(body)
        acknowledged = response.status == 200 and document.get("version") == 1 and document.get("changed") is True
        try_again = response.status == 503 and document == error_body("try_again", TRY_AGAIN)
        return Attempt(
            member, started, took, response.status, acknowledged, try_again, body[:200].decode(errors="replace")
        )


def _web(member: Member) -> dict[str, str]:
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"{member.secret}; csrftoken={CSRF}",
        "Referer": "http://127.0.0.1/",
    }


def _api(member: Member) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {member.secret}"}


def _json(body: bytes) -> dict[str, object]:
    try:
        document = json.loads(body)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
