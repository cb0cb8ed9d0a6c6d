"""The DELETE-of-a-mount layer, with a stand-in for Radicale's application."""

import base64

from cms_dav.wsgi.unmount import UnmountMiddleware, basic_login


def environ(method, path, login="bob"):
    token = base64.b64encode(f"{login}:secret".encode()).decode()
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_AUTHORIZATION": f"Basic {token}"}


class Recorder:
    def __init__(self, status):
        self.status = status
        self.calls = 0

    def __call__(self, env, start_response):
        self.calls += 1
        start_response(self.status, [("Content-Type", "text/plain")])
        return [b"inner"]


class FakeShares:
    def __init__(self, mounted):
        self.mounted = mounted
        self.unmounted = []

    def unmount(self, user, path):
        if (user, path) in self.mounted:
            self.unmounted.append((user, path))
            return True
        return False


def run(monkeypatch, status, env, mounted):
    shares = FakeShares(mounted)
    answers = []
    body = b"".join(UnmountMiddleware(Recorder(status), shares)(
        env, lambda s, h, e=None: answers.append(s)))
    return answers[0], body, shares.unmounted


def test_a_refused_delete_of_the_callers_mount_removes_the_mount(monkeypatch):
    status, body, unmounted = run(monkeypatch, "403 Forbidden",
                                  environ("DELETE", "/bob/alice-cal/"),
                                  {("bob", "/bob/alice-cal/")})
    assert status.startswith("204") and unmounted == [("bob", "/bob/alice-cal/")]


def test_a_delete_in_someone_elses_home_is_passed_through(monkeypatch):
    status, body, unmounted = run(monkeypatch, "403 Forbidden",
                                  environ("DELETE", "/alice/cal/"), {("bob", "/alice/cal/")})
    assert status.startswith("403") and body == b"inner" and unmounted == []


def test_a_delete_that_radicale_allowed_is_not_touched(monkeypatch):
    status, _, unmounted = run(monkeypatch, "200 OK", environ("DELETE", "/bob/own/"),
                               {("bob", "/bob/own/")})
    assert status.startswith("200") and unmounted == []


def test_a_refused_delete_of_a_non_mount_stays_refused(monkeypatch):
    status, _, unmounted = run(monkeypatch, "403 Forbidden", environ("DELETE", "/bob/x/"), set())
    assert status.startswith("403") and unmounted == []


def test_an_unauthenticated_delete_is_passed_through(monkeypatch):
    env = environ("DELETE", "/bob/alice-cal/")
    del env["HTTP_AUTHORIZATION"]
    status, _, unmounted = run(monkeypatch, "401 Unauthorized", env,
                               {("bob", "/bob/alice-cal/")})
    assert status.startswith("401") and unmounted == []


def test_the_login_is_read_from_basic_auth_url_decoded():
    assert basic_login(environ("GET", "/", login="bob%40example.org")) == "bob@example.org"
