"""Helpers of the Python client suites: the fixture server process and waiting on events.

The fixture command comes from FIXTURE_SERVER (a path, optionally followed by
space-separated arguments, as in tests/e2e); without it the C++ fixture of the default
build directory is used. Each test class starts one server with `--port 0`, reads the
`listening <port>` line, and stops it by PID with SIGTERM, expecting exit status 0.
"""

import os
import shlex
import signal
import subprocess
import threading
import unittest
import warnings

# Upper bound for anything a test awaits (a connection, an ack, an event). Generous
# because the suites may share the machine with a build.
TIMEOUT = 10.0
STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0

# The heartbeat the suites run with: slower than the fixture default (300 / 200 ms) so
# that a loaded machine delaying the client's PONG thread cannot end a session, and still
# short enough that pings and pongs flow during the tests.
HEARTBEAT_FLAGS = ["--ping-interval", "500", "--ping-timeout", "2000"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_DEFAULT_FIXTURE = os.path.join(_HERE, "..", "..", "build", "examples", "socketio-fixture-server")


def fixture_command():
    command = os.environ.get("FIXTURE_SERVER", "").strip()
    if command:
        return shlex.split(command)
    return [os.path.normpath(_DEFAULT_FIXTURE)]


class FixtureServer:
    """One fixture server process, owned by PID."""

    def __init__(self, extra_args=()):
        self.process = subprocess.Popen(
            fixture_command() + ["--port", "0"] + HEARTBEAT_FLAGS + list(extra_args),
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.port = None
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        if not self._ready.wait(STARTUP_TIMEOUT) or self.port is None:
            self.stop(expect_clean_exit=False)
            raise RuntimeError("fixture server did not print 'listening <port>'")

    def _read_stdout(self):
        # Keeps draining after the listening line so that the server never blocks on a
        # full pipe.
        for line in self.process.stdout:
            words = line.split()
            if self.port is None and len(words) == 2 and words[0] == "listening":
                self.port = int(words[1])
                self._ready.set()
        self._ready.set()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self, expect_clean_exit=True):
        """Sends SIGTERM to the server's PID; returns its exit status."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            status = self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError(
                "fixture server did not exit within %.0f s of SIGTERM" % STOP_TIMEOUT
            )
        self._reader.join(STOP_TIMEOUT)
        if expect_clean_exit and status != 0:
            raise AssertionError("fixture server exited with status %d" % status)
        return status


class Inbox:
    """Collects (name, args) records from client handler threads and lets a test await them."""

    def __init__(self):
        self._cond = threading.Condition()
        self._items = []

    def put(self, name, *args):
        with self._cond:
            self._items.append((name, args))
            self._cond.notify_all()

    def handler(self, name):
        return lambda *args: self.put(name, *args)

    def of(self, name):
        with self._cond:
            return [args for (n, args) in self._items if n == name]

    def wait_for(self, name, count=1, timeout=TIMEOUT):
        """Returns the args of the first `count` records called `name`, waiting for them."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.of(name)) >= count, timeout):
                raise AssertionError(
                    "waited %.0f s for %d x %r, got %r" % (timeout, count, name, self._items)
                )
            return self.of(name)[:count]


def emit_with_ack(client, event, *args, namespace="/", timeout=TIMEOUT):
    """Emits `event` with `args` and returns the acknowledgement's arguments as a tuple."""
    done = threading.Event()
    result = []

    def on_ack(*ack_args):
        result.append(ack_args)
        done.set()

    # A tuple is sent as that many arguments (socketio.Client.emit).
    client.emit(event, tuple(args), namespace=namespace, callback=on_ack)
    if not done.wait(timeout):
        raise AssertionError("no ack for %r within %.0f s" % (event, timeout))
    return result[0]


class ServerTestCase(unittest.TestCase):
    """Starts one fixture server for the class and stops it, by PID, after the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # engineio.Client never closes its requests.Session, whose sockets are reported
        # when collected; that is the client's business, not the server's.
        warnings.filterwarnings("ignore", message="unclosed", category=ResourceWarning)
        cls.server = FixtureServer()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()
