"""Regression: failed-login delays held worker threads, so a few password guessers
starved everyone (a PROPFIND waited 11.9 s behind 8 guessing loops). The delay now
waits in the server's event loop (cms_dav.wsgi.response_delay)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.support.server import ServerProcess

#: two workers, and guesses that each wait 2 s: sleeping in the workers would block both
CONFIG = ("[server]\nworkers = 2\n[auth]\nlockout_threshold = 0\n"
          "account_lockout_threshold = 0\nfirst_delay_seconds = 2\nmax_delay_seconds = 2\n")
GUESSERS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir: Path = tmp_path_factory.mktemp("login-delay")
    config = data_dir / "cms-dav.conf"
    config.write_text(CONFIG, encoding="utf-8")
    users = HtpasswdFile(data_dir / "users", rounds=4)
    users.add("alice", "alice-pw")
    users.add("bob", "bob-pw")
    process = ServerProcess(data_dir=data_dir, config=config).start()
    yield process
    process.stop()


def test_a_failed_login_still_waits_its_delay(server: ServerProcess) -> None:
    took = []
    for _ in range(2):  # the first failure sets the counter, the second waits for it
        started = time.monotonic()
        answer = requests.request("PROPFIND", f"{server.url}/alice/",
                                  auth=("alice", "wrong"), headers={"Depth": "0"}, timeout=30)
        took.append(time.monotonic() - started)
        assert answer.status_code == 401
    assert took[1] >= 1.9


def test_password_guessers_do_not_starve_a_user_who_is_logged_in(
        server: ServerProcess) -> None:
    bob = requests.Session()
    bob.auth = ("bob", "bob-pw")
    assert bob.request("PROPFIND", f"{server.url}/bob/", headers={"Depth": "0"},
                       timeout=30).status_code == 207  # bob's device is now known
    stop = threading.Event()

    def guess() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                session.request("PROPFIND", f"{server.url}/alice/", auth=("alice", "guess"),
                                headers={"Depth": "0"}, timeout=30)

    guessers = [threading.Thread(target=guess) for _ in range(GUESSERS)]
    for thread in guessers:
        thread.start()
    try:
        time.sleep(1.0)  # every guesser is now inside its delay
        worst = 0.0
        for _ in range(5):
            started = time.monotonic()
            answer = bob.request("PROPFIND", f"{server.url}/bob/", headers={"Depth": "0"},
                                 timeout=30)
            worst = max(worst, time.monotonic() - started)
            assert answer.status_code == 207
        print(f"bob's slowest PROPFIND with {GUESSERS} guessers on 2 workers: {worst:.3f} s")
        assert worst < 1.5  # with the delay slept in a worker it is about 2 s
    finally:
        stop.set()
        for thread in guessers:
            thread.join(timeout=30)
