#!/usr/bin/env python3
"""The wire protocol as written in docs/PROTOCOL.md, proven by an independent client.

Starts real nodes (tests/system/echo_node.cpp, path given as the first argument), joins them with
tools/pyclient/troupe_client.py and calls the process registered as `echo`.

    python_client_test.py <path to echo_node>

Exits 77 (ctest SKIP_RETURN_CODE) with a "SKIPPED: ..." line when python3-zmq or
python3-msgpack is missing. Every node started is terminated, whatever happens.
"""

import os
import secrets
import selectors
import subprocess
import sys
import tempfile
import threading
import time
import unittest

try:
    import msgpack  # noqa: F401
    import zmq  # noqa: F401
except ImportError as missing:
    print(f"SKIPPED: {missing.name} is not installed for {sys.executable} "
          "(Debian: apt-get install python3-zmq python3-msgpack)")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "pyclient"))
import troupe_client  # noqa: E402
from troupe_client import CallTimeout, Rejected, TroupeClient  # noqa: E402

ECHO_NODE = None
READY_TIMEOUT = 30.0


class EchoNode:
    """An echo_node process: started, waited for (its READY line), always terminated."""

    def __init__(self, cookie, *extra):
        self.name = "echo-" + secrets.token_hex(4)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([ECHO_NODE, "--name", self.name, "--cookie", cookie,
                                      "--listen", "tcp://127.0.0.1:*", *extra],
                                     stdout=subprocess.PIPE, stderr=self.log)
        try:
            self.address = self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        line = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise RuntimeError(f"echo_node printed no READY line within {READY_TIMEOUT} s")
                chunk = os.read(self.proc.stdout.fileno(), 1)
                if not chunk:
                    raise RuntimeError(f"echo_node exited early (status {self.proc.wait()}): {self.stderr()}")
                line += chunk
        words = line.decode().split()
        if len(words) != 2 or words[0] != "READY":
            raise RuntimeError(f"unexpected first line from echo_node: {line!r}")
        return words[1]

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        status = self.proc.returncode
        self.log.close()
        return status


class PythonClientTest(unittest.TestCase):
    cookie = "py-test-" + secrets.token_hex(8)

    @classmethod
    def setUpClass(cls):
        cls.node = EchoNode(cls.cookie)
        cls.addClassCleanup(cls.node.stop)

    def client(self, **kw):
        c = TroupeClient("py-" + secrets.token_hex(4), self.cookie, **kw)
        self.addCleanup(c.close)
        return c

    def test_a_call_to_a_named_process_returns_its_reply(self):
        c = self.client()
        self.assertEqual(c.connect(self.node.address, timeout=10), self.node.name)
        reply = c.call("echo", "test.text", ["hello from python"], timeout=10)
        self.assertEqual(reply.type, "test.text")
        self.assertEqual(reply.body, ["HELLO FROM PYTHON"])
        self.assertEqual(reply.to, c.pid)
        self.assertEqual(reply.sender.node, self.node.name)
        self.assertTrue(reply.correlation & troupe_client.REPLY_BIT)

    def test_concurrent_calls_each_get_their_own_reply(self):
        c = self.client()
        c.connect(self.node.address, timeout=10)
        results = {}

        def caller(t):
            for i in range(10):
                results[(t, i)] = c.call("echo", "test.text", [f"call {t}.{i}"], timeout=10).body

        threads = [threading.Thread(target=caller, args=(t,)) for t in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(results, {(t, i): [f"CALL {t}.{i}"] for t in range(8) for i in range(10)})

    def test_a_plain_send_gets_no_reply_and_the_connection_stays_usable(self):
        c = self.client()
        c.connect(self.node.address, timeout=10)
        c.send("echo", "test.text", ["no reply wanted"])
        self.assertEqual(c.call("echo", "test.text", ["after"], timeout=10).body, ["AFTER"])
        self.assertIsNone(c.receive(timeout=0.2), "a send without correlation is not answered")

    def test_the_connection_outlives_the_peer_timeout_thanks_to_heartbeats(self):
        c = self.client(heartbeat_interval=0.1)
        c.connect(self.node.address, timeout=10)
        deadline = time.monotonic() + 1.5  # the node's default peer timeout is 1 s
        while time.monotonic() < deadline:
            self.assertIsNone(c.receive(timeout=deadline - time.monotonic()))
        self.assertEqual(c.call("echo", "test.text", ["still up"], timeout=10).body, ["STILL UP"])

    def test_a_call_to_an_unknown_name_times_out(self):
        c = self.client()
        c.connect(self.node.address, timeout=10)
        with self.assertRaises(CallTimeout):
            c.call("nobody-here", "test.text", ["x"], timeout=0.5)

    def test_a_client_with_the_wrong_cookie_is_refused(self):
        c = TroupeClient("py-intruder", "not-the-cookie")
        self.addCleanup(c.close)
        with self.assertRaises(Rejected):
            c.connect(self.node.address, timeout=10)


class RawHandshakeTest(unittest.TestCase):
    """The node's side of the handshake, driven frame by frame over a bare DEALER."""

    cookie = "py-raw-" + secrets.token_hex(8)

    @classmethod
    def setUpClass(cls):
        cls.node = EchoNode(cls.cookie)
        cls.addClassCleanup(cls.node.stop)

    def setUp(self):
        self.ctx = zmq.Context()
        self.addCleanup(self.ctx.term)
        self.dealer = self.ctx.socket(zmq.DEALER)
        self.addCleanup(self.dealer.close, 0)
        self.dealer.connect(self.node.address)

    def exchange(self, *frames):
        self.dealer.send(b"".join(troupe_client.pack(f) for f in frames))
        if not self.dealer.poll(10_000):
            self.fail("the node did not answer")
        return troupe_client.unpack_frames(self.dealer.recv())

    def hello(self, nonce):
        # An empty listen address: the node will not open a channel back to us.
        return [troupe_client.HELLO, troupe_client.PROTOCOL_VERSION, "py-raw", 5, "", nonce]

    def test_a_wrong_proof_in_auth_is_answered_with_reject(self):
        nonce = secrets.token_bytes(32)
        (challenge,) = self.exchange(self.hello(nonce))
        self.assertEqual(challenge[:4], [troupe_client.CHALLENGE, 1, self.node.name, challenge[3]])
        self.assertEqual(challenge[5], troupe_client.server_proof(self.cookie.encode(), nonce, challenge[4]))
        (reject,) = self.exchange([troupe_client.AUTH, bytes(32)])
        self.assertEqual(reject, [troupe_client.REJECT, "wrong cookie"])

    def test_the_right_proof_is_welcomed(self):
        nonce = secrets.token_bytes(32)
        (challenge,) = self.exchange(self.hello(nonce))
        proof = troupe_client.client_proof(self.cookie.encode(), nonce, challenge[4])
        self.assertEqual(self.exchange([troupe_client.AUTH, proof]), [[troupe_client.WELCOME]])

    def test_another_protocol_version_is_rejected(self):
        hello = self.hello(secrets.token_bytes(32))
        hello[1] = 99
        self.assertEqual(self.exchange(hello), [[troupe_client.REJECT, "version 1 required"]])

    def test_a_message_before_the_handshake_is_rejected(self):
        frame = [troupe_client.MESSAGE, "test.text", "echo", None, 0, ["x"]]
        self.assertEqual(self.exchange(frame), [[troupe_client.REJECT, "not authenticated"]])

    def test_a_malformed_hello_is_rejected(self):
        self.assertEqual(self.exchange([troupe_client.HELLO, 1, "x"]), [[troupe_client.REJECT, "malformed frame"]])


class ClientServerHalfTest(unittest.TestCase):
    """The client's own ROUTER, as a node's DEALER sees it (no node needed)."""

    cookie = "py-half-" + secrets.token_hex(8)

    def test_a_hello_with_dropped_session_flagged_heartbeats_and_service_syncs_are_accepted(self):
        c = TroupeClient("~py-half", self.cookie)
        self.addCleanup(c.close)
        ctx = zmq.Context()
        self.addCleanup(ctx.term)
        dealer = ctx.socket(zmq.DEALER)
        self.addCleanup(dealer.close, 0)
        dealer.connect(c.address)

        def exchange(*frames):
            dealer.send(b"".join(troupe_client.pack(f) for f in frames))
            if not dealer.poll(10_000):
                self.fail("the client did not answer")
            return troupe_client.unpack_frames(dealer.recv())

        # A node that lost this client redials it with a 7-element HELLO (PROTOCOL.md §4).
        nonce = secrets.token_bytes(32)
        (challenge,) = exchange([troupe_client.HELLO, 1, "n1", 88, "", nonce, secrets.token_bytes(32)])
        self.assertEqual(challenge[:4], [troupe_client.CHALLENGE, 1, "~py-half", c.creation])
        self.assertEqual(challenge[5], troupe_client.server_proof(self.cookie.encode(), nonce, challenge[4]))
        proof = troupe_client.client_proof(self.cookie.encode(), nonce, challenge[4])
        self.assertEqual(exchange([troupe_client.AUTH, proof]), [[troupe_client.WELCOME]])
        # Watch flags and later elements on HEARTBEAT are plain heartbeats (§3): the session stays,
        # so the message behind them is delivered. A message to a registered name (a stock node's
        # services sync to every peer, §5.1) is not the client's: receive() skips it.
        dealer.send(b"".join(troupe_client.pack(f) for f in (
            [troupe_client.HEARTBEAT, True], [troupe_client.HEARTBEAT, False, "later"],
            [troupe_client.MESSAGE, "troupe.global.sync", "troupe.global_registry", None, 0, [[], False]],
            [troupe_client.MESSAGE, "troupe.text", c.pid, None, 0, ["after the flags"]])))
        m = c.receive(timeout=10)
        self.assertIsNotNone(m)
        self.assertEqual((m.type, m.body), ("troupe.text", ["after the flags"]))


class CurveClientTest(unittest.TestCase):
    cookie = "py-curve-" + secrets.token_hex(8)

    def test_a_call_works_over_curvezmq_with_keys_derived_from_the_cookie(self):
        if not zmq.has("curve"):
            self.skipTest("libzmq without CurveZMQ")
        node = EchoNode(self.cookie, "--curve")
        self.addCleanup(node.stop)
        c = TroupeClient("py-curve", self.cookie, curve=True)
        self.addCleanup(c.close)
        c.connect(node.address, timeout=10)
        self.assertEqual(c.call("echo", "test.text", ["encrypted"], timeout=10).body, ["ENCRYPTED"])


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print("usage: python_client_test.py <path to echo_node>", file=sys.stderr)
        sys.exit(2)
    ECHO_NODE = sys.argv.pop(1)
    unittest.main(verbosity=2)
