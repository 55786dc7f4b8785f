"""The Python Socket.IO client (python-socketio's sync socketio.Client) against the fixture.

Each scenario runs three times: over polling only, over WebSocket only, and starting on
polling then upgrading to WebSocket (the client's default). docs/FIXTURE.md is the
server's side of the contract.
"""

import unittest

import socketio

from support import TIMEOUT, Inbox, ServerTestCase, emit_with_ack

# Every JSON type, unicode beyond the BMP, escapes and nesting. Integers stay within
# 2**53 so that a JavaScript server can hold them exactly.
JSON_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    42,
    2**53 - 1,
    -(2**53 - 1),
    1.5,
    -0.25,
    1e-7,
    1.7976931348623157e308,
    "",
    "text",
    "h\u00e9llo w\u00f6rld",
    "\u65e5\u672c\u8a9e",
    "\U0001f600 \U0001f30d",
    "\u2028\u2029",
    'quote " backslash \\ slash / tab \t newline \n nul \u0000',
    [],
    {},
    [1, "two", None, [3.5, [True]]],
    {"a": 1, "b": [True, None], "c": {"d": "e"}, "\u043a\u043b\u044e\u0447": "\u00fc"},
]

BLOB = bytes(range(256)) * 4


class SocketIOScenarios:
    """The scenarios; mixed into one unittest.TestCase per transport choice."""

    # None: polling first, then the upgrade to WebSocket.
    transports = None
    expected_transport = None

    def setUp(self):
        self._clients = []

    def tearDown(self):
        for client in self._clients:
            client.disconnect()

    def make_client(self, inbox, namespaces=("/",), events=(), **options):
        options.setdefault("reconnection", False)
        client = socketio.Client(handle_sigint=False, **options)
        for nsp in namespaces:
            for name in ("connect", "disconnect", "connect_error", "auth") + tuple(events):
                client.on(name, inbox.handler(nsp + " " + name), namespace=nsp)
        self._clients.append(client)
        return client

    def connect(self, client, namespaces=("/",), auth=None, **options):
        options.setdefault("wait_timeout", TIMEOUT)
        client.connect(
            self.server.url,
            auth=auth,
            transports=self.transports,
            namespaces=list(namespaces),
            **options,
        )
        self.assertEqual(client.transport(), self.expected_transport)

    def connected_client(self, events=(), auth=None):
        inbox = Inbox()
        client = self.make_client(inbox, events=events)
        self.connect(client, auth=auth)
        inbox.wait_for("/ auth")
        return client, inbox

    # -- connection and auth ------------------------------------------------------------

    def test_connect_with_auth(self):
        auth = {"token": "s3cr\u00e9t", "n": 7, "nested": {"list": [1, None, "\U0001f600"]}}
        inbox = Inbox()
        client = self.make_client(inbox)
        self.connect(client, auth=auth)
        self.assertEqual(inbox.wait_for("/ auth"), [(auth,)])
        self.assertEqual(inbox.wait_for("/ connect"), [()])
        self.assertTrue(client.connected)
        self.assertIsNotNone(client.get_sid("/"))

    def test_connect_without_auth_sends_empty_object(self):
        inbox = Inbox()
        self.connect(self.make_client(inbox))
        self.assertEqual(inbox.wait_for("/ auth"), [({},)])

    # -- events and acks ----------------------------------------------------------------

    def test_ack_round_trip_of_every_json_type(self):
        client, _ = self.connected_client()
        for value in JSON_VALUES:
            with self.subTest(value=value):
                self.assertEqual(emit_with_ack(client, "echo", value), (value,))

    def test_ack_with_many_and_no_arguments(self):
        client, _ = self.connected_client()
        self.assertEqual(
            emit_with_ack(client, "message-with-ack", *JSON_VALUES), tuple(JSON_VALUES)
        )
        self.assertEqual(emit_with_ack(client, "echo"), ())

    def test_event_round_trip(self):
        client, inbox = self.connected_client(events=("message-back",))
        client.emit("message", tuple(JSON_VALUES))
        self.assertEqual(inbox.wait_for("/ message-back"), [tuple(JSON_VALUES)])

    def test_many_acks_in_flight(self):
        client, inbox = self.connected_client()
        # The server may answer all of them in one polling response; engineio.Client
        # refuses a payload of more than 16 packets (engineio.payload.Payload
        # .max_decode_packets), so stay below that.
        count = 16
        for i in range(count):
            client.emit("echo", (i, "n%d" % i), callback=inbox.handler("ack"))
        acks = inbox.wait_for("ack", count)
        self.assertEqual(sorted(acks), sorted((i, "n%d" % i) for i in range(count)))

    # -- binary -------------------------------------------------------------------------

    def test_binary_arguments_both_ways(self):
        client, inbox = self.connected_client(events=("message-back",))
        args = (BLOB, b"", b"\x00\xff", "text after binary")
        self.assertEqual(emit_with_ack(client, "echo", *args), args)
        client.emit("message", args)
        self.assertEqual(inbox.wait_for("/ message-back"), [args])

    def test_nested_binary_both_ways(self):
        client, inbox = self.connected_client(events=("message-back",))
        nested = {
            "blob": BLOB,
            "list": [b"first", 1, [b"deeper", {"empty": b""}]],
            "text": "\u00fc\U0001f600",
        }
        args = (nested, [b"\x01", None], 3)
        self.assertEqual(emit_with_ack(client, "message-with-ack", *args), args)
        client.emit("message", args)
        self.assertEqual(inbox.wait_for("/ message-back"), [args])

    def test_large_binary(self):
        client, _ = self.connected_client()
        big = bytes(range(251)) * 800  # 200 KB, base64 over polling
        self.assertEqual(emit_with_ack(client, "echo", big, {"again": big}), (big, {"again": big}))

    # -- acks to server-initiated emits --------------------------------------------------

    def test_client_acks_server_emit(self):
        # "bcast-ack" has the server emit "ask" to a room with an ack and a timeout; each
        # client's handler return value is its ack.
        first, first_inbox = self.connected_client()
        second, second_inbox = self.connected_client()
        first.on("ask", lambda payload: "first " + payload)
        second.on("ask", lambda payload: "second " + payload)
        for client in (first, second):
            self.assertEqual(emit_with_ack(client, "join", "askers"), ())
        reply = emit_with_ack(first, "bcast-ack", "askers", "\u00e7a va?", 5000)
        self.assertEqual(
            reply,
            ({"timedOut": False, "responses": ["first \u00e7a va?", "second \u00e7a va?"]},),
        )

    def test_client_acks_server_emit_with_binary(self):
        client, _ = self.connected_client()
        client.on("ask", lambda payload: "len %d" % len(payload["blob"]))
        self.assertEqual(emit_with_ack(client, "join", "binary-askers"), ())
        reply = emit_with_ack(client, "bcast-ack", "binary-askers", {"blob": BLOB}, 5000)
        self.assertEqual(reply, ({"timedOut": False, "responses": ["len %d" % len(BLOB)]},))

    # -- rooms --------------------------------------------------------------------------

    def test_rooms_join_bcast_leave(self):
        alice, alice_inbox = self.connected_client(events=("msg", "message-back"))
        bob, bob_inbox = self.connected_client(events=("msg", "message-back"))

        self.assertEqual(emit_with_ack(alice, "join", "room-a"), ())
        self.assertEqual(emit_with_ack(bob, "bcast", "room-a", {"n": 1, "b": b"\x07"}), ())
        self.assertEqual(alice_inbox.wait_for("/ msg"), [({"n": 1, "b": b"\x07"},)])
        # Bob is not in the room: a later round trip on his connection comes back without a
        # "msg" before it.
        bob.emit("message", ("after",))
        bob_inbox.wait_for("/ message-back")
        self.assertEqual(bob_inbox.of("/ msg"), [])

        # Both in the room: the sender receives its own room broadcast too (io.to).
        self.assertEqual(emit_with_ack(bob, "join", "room-a"), ())
        self.assertEqual(emit_with_ack(alice, "bcast", "room-a", 2), ())
        self.assertEqual(alice_inbox.wait_for("/ msg", 2)[1], (2,))
        self.assertEqual(bob_inbox.wait_for("/ msg"), [(2,)])

        # Alice leaves room-a and is in room-b: of the two broadcasts that follow only the
        # second reaches her, and it arrives after the first would have.
        self.assertEqual(emit_with_ack(alice, "join", "room-b"), ())
        self.assertEqual(emit_with_ack(alice, "leave", "room-a"), ())
        self.assertEqual(emit_with_ack(bob, "bcast", "room-a", 3), ())
        self.assertEqual(emit_with_ack(bob, "bcast", "room-b", 4), ())
        self.assertEqual(bob_inbox.wait_for("/ msg", 2)[1], (3,))
        self.assertEqual(alice_inbox.wait_for("/ msg", 3)[2], (4,))
        self.assertEqual(len(alice_inbox.of("/ msg")), 3)

    # -- namespaces ---------------------------------------------------------------------

    def test_custom_namespace(self):
        inbox = Inbox()
        client = self.make_client(inbox, namespaces=("/custom",))
        self.connect(client, namespaces=("/custom",), auth={"where": "custom"})
        self.assertEqual(inbox.wait_for("/custom auth"), [({"where": "custom"},)])
        self.assertIsNotNone(client.get_sid("/custom"))

    def test_two_namespaces_on_one_connection(self):
        inbox = Inbox()
        client = self.make_client(inbox, namespaces=("/", "/custom"))
        self.connect(client, namespaces=("/", "/custom"), auth={"k": "v"})
        self.assertEqual(inbox.wait_for("/ auth"), [({"k": "v"},)])
        self.assertEqual(inbox.wait_for("/custom auth"), [({"k": "v"},)])
        self.assertNotEqual(client.get_sid("/"), client.get_sid("/custom"))
        self.assertEqual(emit_with_ack(client, "echo", "still there"), ("still there",))

    def test_refused_namespace_error_message(self):
        inbox = Inbox()
        client = self.make_client(inbox, namespaces=("/", "/nope"))
        # wait=False: the refusal is awaited through the connect_error handler below
        # instead of connect()'s fixed wait.
        self.connect(client, namespaces=("/", "/nope"), wait=False)
        self.assertEqual(
            inbox.wait_for("/nope connect_error"), [({"message": "Invalid namespace"},)]
        )
        # The refusal leaves the session and the accepted namespace working.
        inbox.wait_for("/ auth")
        self.assertEqual(emit_with_ack(client, "echo", 1), (1,))
        self.assertEqual(inbox.of("/nope connect"), [])

    def test_refused_namespace_fails_connect(self):
        client = self.make_client(Inbox(), namespaces=("/nope",))
        with self.assertRaises(socketio.exceptions.ConnectionError):
            client.connect(
                self.server.url, transports=self.transports, namespaces=["/nope"], wait_timeout=1
            )
        self.assertFalse(client.connected)

    # -- disconnect and reconnect -------------------------------------------------------

    def test_client_disconnect_then_connect_again(self):
        inbox = Inbox()
        client = self.make_client(inbox)
        self.connect(client, auth={"round": 1})
        inbox.wait_for("/ auth")
        first_sid = client.get_sid("/")
        client.disconnect()
        inbox.wait_for("/ disconnect")
        self.assertFalse(client.connected)
        # socketio.Client.disconnect() does not wait for the Engine.IO client's reader and
        # writer threads; a writer still running would take the next connection's CONNECT
        # packet off the shared queue and post it to the old session. Wait for them.
        for task in (client.eio.write_loop_task, client.eio.read_loop_task):
            task.join(TIMEOUT)
            self.assertFalse(task.is_alive())

        self.connect(client, auth={"round": 2})
        self.assertEqual(inbox.wait_for("/ auth", 2)[1], ({"round": 2},))
        self.assertNotEqual(client.get_sid("/"), first_sid)
        self.assertEqual(emit_with_ack(client, "echo", "back"), ("back",))

    def test_server_disconnect_is_reported(self):
        # "cluster-disconnect" has the server close this socket's connection
        # (disconnectSockets(true)); the ack may be lost with the connection.
        client, inbox = self.connected_client()
        other, _ = self.connected_client()
        client.emit("cluster-disconnect", (client.get_sid("/"),))
        inbox.wait_for("/ disconnect")
        # Only that client was disconnected.
        self.assertEqual(emit_with_ack(other, "echo", "unaffected"), ("unaffected",))


class PollingTest(SocketIOScenarios, ServerTestCase):
    transports = ["polling"]
    expected_transport = "polling"


class WebSocketTest(SocketIOScenarios, ServerTestCase):
    transports = ["websocket"]
    expected_transport = "websocket"


class UpgradeTest(SocketIOScenarios, ServerTestCase):
    transports = None  # polling first, then upgrade
    expected_transport = "websocket"


if __name__ == "__main__":
    unittest.main()
