#!/usr/bin/env python3
"""A minimal Troupe client in Python, written from docs/PROTOCOL.md (pyzmq + msgpack only).

It joins a cluster as a node that hosts no processes of its own except one pseudo-process (its
``pid``), so it can send to a named process on a node and call it::

    from troupe_client import TroupeClient
    with TroupeClient("~py-client", cookie="secret") as c:   # "~": a hidden node, not a member
        c.connect("tcp://127.0.0.1:7101")                     # a stock troupe-node
        reply = c.call("troupe.admin", "troupe.admin.ping", [], timeout=5.0)
        print(reply.type, reply.body)          # troupe.admin.pong ['n1', <its creation>]

Why it listens: a node sends everything it has for us -- replies included -- on a DEALER of its
own connected to the address we advertise in HELLO, never back on our DEALER. So the client binds
a ROUTER, accepts that connection (the handshake with the roles reversed) and reads replies there.

One I/O thread owns both ZeroMQ sockets (they are not thread-safe); the public methods are
thread-safe and talk to it through a queue plus a wake-up pipe.

Requires the Debian packages python3-zmq and python3-msgpack.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import hmac
import os
import secrets
import threading
import time
from typing import Any, Optional

import msgpack
import zmq
from zmq.utils import z85

PROTOCOL_VERSION = 1
HELLO, CHALLENGE, AUTH, WELCOME, REJECT, HEARTBEAT, TYPE, MESSAGE, BYE = range(1, 10)
PID_EXT_TYPE = 1
REPLY_BIT = 1 << 63
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
BATCH_BYTES = 256 * 1024
NONCE_BYTES = 32


class TroupeError(Exception):
    """Base of the errors this client raises."""


class Rejected(TroupeError):
    """The node refused the handshake (REJECT) or failed to prove it knows the cookie."""


class ConnectionLost(TroupeError):
    """The connection went down (BYE, REJECT, silence past the peer timeout, close())."""


class CallTimeout(TroupeError, TimeoutError):
    """No reply arrived within the call's timeout."""


@dataclasses.dataclass(frozen=True)
class Pid:
    """A process id: MessagePack ext type 1 holding the array [node, creation, serial]."""

    node: str
    creation: int
    serial: int

    def __str__(self) -> str:
        return f"<{self.node}.{self.creation}.{self.serial}>"


@dataclasses.dataclass(frozen=True)
class ExitReason:
    """An exit reason: the array [kind, detail], kind being "normal", "shutdown", "killed"..."""

    kind: str
    detail: str = ""


@dataclasses.dataclass
class Message:
    """A message a node sent us: a reply to a call or anything sent to our pid."""

    type: str
    to: Any
    sender: Optional[Pid]
    correlation: int
    body: Any


# --- encoding ----------------------------------------------------------------------------------


def _default(obj: Any) -> Any:
    if isinstance(obj, Pid):
        return msgpack.ExtType(PID_EXT_TYPE, msgpack.packb([obj.node, obj.creation, obj.serial]))
    if isinstance(obj, ExitReason):
        return [obj.kind, obj.detail]
    raise TypeError(f"cannot encode {type(obj).__name__}")


def _ext_hook(code: int, data: bytes) -> Any:
    if code == PID_EXT_TYPE:
        node, creation, serial = msgpack.unpackb(data, raw=False)
        return Pid(node, creation, serial)
    return msgpack.ExtType(code, data)


def pack(frame: list) -> bytes:
    """One frame: a MessagePack array whose first element is the frame kind."""
    return msgpack.packb(frame, use_bin_type=True, default=_default)


def unpack_frames(data: bytes) -> list:
    """The frames of one ZeroMQ message (frames back to back); raises ValueError if malformed."""
    unpacker = msgpack.Unpacker(raw=False, ext_hook=_ext_hook, strict_map_key=False,
                                max_buffer_size=max(len(data), 1))
    unpacker.feed(data)
    frames = []
    try:
        for f in unpacker:
            if not isinstance(f, list) or not f or not isinstance(f[0], int):
                raise ValueError("a frame is not a non-empty array starting with its kind")
            frames.append(f)
    except (msgpack.ExtraData, msgpack.FormatError, msgpack.StackError, ValueError, TypeError) as ex:
        raise ValueError(f"malformed frame: {ex}") from ex
    if unpacker.tell() != len(data):
        raise ValueError("truncated frame")
    return frames


# --- handshake proofs (HMAC-SHA256, key = the cookie bytes) -----------------------------------------


def server_proof(cookie: bytes, client_nonce: bytes, server_nonce: bytes) -> bytes:
    return hmac.new(cookie, b"troupe-server" + client_nonce + server_nonce, hashlib.sha256).digest()


def client_proof(cookie: bytes, client_nonce: bytes, server_nonce: bytes) -> bytes:
    return hmac.new(cookie, b"troupe-client" + server_nonce + client_nonce, hashlib.sha256).digest()


def curve_server_keys(cookie: bytes) -> tuple[bytes, bytes]:
    """The cluster's CurveZMQ server key pair (public, secret), both Z85, derived from the cookie.

    seed = BLAKE2b-256(message=cookie, key="troupe-curve-v1"); secret = SHA-512(seed)[:32];
    public = X25519 base point times secret (libsodium's crypto_box_seed_keypair).
    """
    seed = hashlib.blake2b(cookie, digest_size=32, key=b"troupe-curve-v1").digest()
    secret = z85.encode(hashlib.sha512(seed).digest()[:32])
    return zmq.curve_public(secret), secret


# --- sessions ------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Outbound:
    """Our DEALER to the node's ROUTER: we are the handshake's client."""

    address: str
    dealer: zmq.Socket
    nonce: bytes
    state: str = "hello_sent"  # -> auth_sent -> up | failed
    node: Optional[str] = None
    creation: Optional[int] = None
    type_ids: dict = dataclasses.field(default_factory=dict)
    started: float = dataclasses.field(default_factory=time.monotonic)
    last_sent: float = dataclasses.field(default_factory=time.monotonic)


@dataclasses.dataclass
class _Inbound:
    """A node's DEALER as seen on our ROUTER: we are the handshake's server."""

    routing_id: bytes
    node: str
    creation: int
    client_nonce: bytes
    server_nonce: bytes
    authenticated: bool = False
    confirmed: bool = False  # a frame arrived after our WELCOME: the node's side is up
    types: dict = dataclasses.field(default_factory=dict)
    started: float = dataclasses.field(default_factory=time.monotonic)
    last_heard: float = dataclasses.field(default_factory=time.monotonic)


class TroupeClient:
    """A client node: connects to one Troupe node, sends to and calls its named processes."""

    def __init__(self, name: str, cookie: str | bytes, *, listen: str = "tcp://127.0.0.1:*",
                 advertise: Optional[str] = None, creation: Optional[int] = None, curve: bool = False,
                 heartbeat_interval: float = 0.15, peer_timeout: float = 1.0, handshake_timeout: float = 3.0):
        self.name = name
        self.cookie = cookie.encode() if isinstance(cookie, str) else bytes(cookie)
        self.creation = creation if creation is not None else secrets.randbelow(2**32 - 1) + 1
        self.pid = Pid(name, self.creation, 1)
        self.heartbeat_interval = heartbeat_interval
        self.peer_timeout = peer_timeout
        self.handshake_timeout = handshake_timeout
        self._curve = curve_server_keys(self.cookie) if curve else None
        self._ctx = zmq.Context()
        self._router = self._ctx.socket(zmq.ROUTER)
        self._router.setsockopt(zmq.LINGER, 0)
        self._router.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if self._curve:
            self._router.setsockopt(zmq.CURVE_SERVER, 1)
            self._router.setsockopt(zmq.CURVE_SECRETKEY, self._curve[1])
        self._router.bind(listen)
        bound = self._router.getsockopt(zmq.LAST_ENDPOINT).decode()
        self.address = advertise or bound.replace("0.0.0.0", "127.0.0.1")
        self._cond = threading.Condition()
        self._commands: collections.deque = collections.deque()
        self._pending: dict[int, Optional[Message]] = {}
        self._inbox: collections.deque = collections.deque()
        # Messages received and not handed to the caller, by reason (every drop is counted).
        self.dropped: collections.Counter = collections.Counter()
        self._next_ref = 1
        self._out: Optional[_Outbound] = None
        self._inbound: dict[bytes, _Inbound] = {}
        self._lost: Optional[BaseException] = None
        self._ready_node: Optional[str] = None  # set by the I/O thread under _cond
        self._stopping = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._thread = threading.Thread(target=self._run, name="troupe-client-io", daemon=True)
        self._thread.start()

    # --- public API (thread-safe) ------------------------------------------------------------------

    def connect(self, address: str, timeout: float = 5.0) -> str:
        """Handshakes both ways with the node at `address`; returns its name once it can reply."""
        with self._cond:
            self._lost = None
        self._command(("connect", address))
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._ready_node:
                if self._lost:
                    raise self._lost
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TroupeError(f"no handshake with {address} within {timeout} s")
                self._cond.wait(left)
            return self._ready_node

    @property
    def node(self) -> Optional[str]:
        """The name of the node we are connected to (None until connect() returns)."""
        return self._ready_node

    def send(self, name: str, type_name: str, body: Any, correlation: int = 0) -> None:
        """Sends `body` as a `type_name` message to the process registered as `name` on the node."""
        self._check_up()
        self._command(("send", type_name, name, correlation, body))

    def call(self, name: str, type_name: str, body: Any, timeout: float = 5.0) -> Message:
        """Sends a call and waits for its reply (the message whose correlation is ref | 1<<63)."""
        with self._cond:
            ref = self._next_ref
            self._next_ref += 1
            self._pending[ref] = None
        try:
            self.send(name, type_name, body, correlation=ref)
            deadline = time.monotonic() + timeout
            with self._cond:
                while self._pending[ref] is None:
                    if self._lost:
                        raise ConnectionLost(str(self._lost))
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise CallTimeout(f"no reply from '{name}' within {timeout} s")
                    self._cond.wait(left)
                return self._pending[ref]
        finally:
            with self._cond:
                self._pending.pop(ref, None)

    def receive(self, timeout: float = 5.0) -> Optional[Message]:
        """The next message sent to our pid that is not a reply to a call, or None at the timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._inbox:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            return self._inbox.popleft()

    def close(self) -> None:
        """Says BYE, stops the I/O thread and closes the sockets. Idempotent."""
        if self._stopping:
            return
        self._stopping = True
        self._wake()
        self._thread.join()
        os.close(self._wake_r)
        os.close(self._wake_w)
        self._ctx.term()

    def __enter__(self) -> "TroupeClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- helpers for the caller's side -------------------------------------------------------------

    def _check_up(self) -> None:
        with self._cond:
            if self._lost:
                raise ConnectionLost(str(self._lost))
            if not self._ready_node:
                raise TroupeError("not connected")

    def _command(self, cmd: tuple) -> None:
        with self._cond:
            self._commands.append(cmd)
        self._wake()

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    # --- the I/O thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping:
                self._poll_once()
        finally:
            self._shutdown()

    def _poll_once(self) -> None:
        poller = zmq.Poller()
        poller.register(self._router, zmq.POLLIN)
        poller.register(self._wake_r, zmq.POLLIN)
        if self._out:
            poller.register(self._out.dealer, zmq.POLLIN)
        events = dict(poller.poll(20))
        if self._wake_r in events:
            try:
                os.read(self._wake_r, 4096)
            except BlockingIOError:
                pass
        self._take_commands()
        if self._router in events:
            self._drain(self._router, self._on_router_message)
        if self._out and self._out.dealer in events:
            self._drain(self._out.dealer, self._on_dealer_message)
        self._housekeeping(time.monotonic())

    def _drain(self, sock: zmq.Socket, handler) -> None:
        for _ in range(256):
            if sock.closed:  # the handler ended the session
                return
            try:
                parts = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            handler(parts)

    def _take_commands(self) -> None:
        with self._cond:
            commands, self._commands = self._commands, collections.deque()
        batch: list[bytes] = []
        for cmd in commands:
            if cmd[0] == "connect":
                try:
                    self._open(cmd[1])
                except zmq.ZMQError as ex:
                    self._fail(TroupeError(f"cannot connect to {cmd[1]}: {ex}"))
            elif cmd[0] == "send" and self._out and self._out.state == "up":
                batch.append(self._encode_message(*cmd[1:]))
                if sum(map(len, batch)) >= BATCH_BYTES:
                    self._send_out(b"".join(batch))
                    batch = []
        if batch:
            self._send_out(b"".join(batch))  # many frames, one ZeroMQ message

    def _encode_message(self, type_name: str, to: Any, correlation: int, body: Any) -> bytes:
        out = self._out
        head = b""
        type_id = out.type_ids.get(type_name)
        if type_id is None:
            type_id = out.type_ids[type_name] = len(out.type_ids) + 1
            head = pack([TYPE, type_id, type_name])
        return head + pack([MESSAGE, type_id, to, self.pid, correlation, body])

    def _send_out(self, data: bytes) -> None:
        try:
            self._out.dealer.send(data, zmq.NOBLOCK)
            self._out.last_sent = time.monotonic()
        except zmq.Again:
            self._fail(ConnectionLost("the node does not take our messages (high-water mark)"))

    # --- outbound: our DEALER, we are the client ----------------------------------------------------

    def _open(self, address: str) -> None:
        if self._out:
            self._out.dealer.close(0)
            self._out = None
        dealer = self._ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.ROUTING_ID, b"py" + secrets.token_hex(12).encode())
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if self._curve:
            public, secret = zmq.curve_keypair()
            dealer.setsockopt(zmq.CURVE_SERVERKEY, self._curve[0])
            dealer.setsockopt(zmq.CURVE_PUBLICKEY, public)
            dealer.setsockopt(zmq.CURVE_SECRETKEY, secret)
        try:
            dealer.connect(address)
        except zmq.ZMQError:
            dealer.close(0)
            raise
        self._out = _Outbound(address, dealer, secrets.token_bytes(NONCE_BYTES))
        dealer.send(pack([HELLO, PROTOCOL_VERSION, self.name, self.creation, self.address, self._out.nonce]))

    def _on_dealer_message(self, parts: list) -> None:
        out = self._out
        try:
            frames = unpack_frames(parts[0])
        except ValueError as ex:
            return self._fail(TroupeError(f"protocol violation from {out.address}: {ex}"))
        for f in frames:
            if f[0] == CHALLENGE and out.state == "hello_sent":
                self._on_challenge(out, f)
            elif f[0] == WELCOME and out.state == "auth_sent":
                out.state = "up"
            elif f[0] == REJECT:
                reason = f[1] if len(f) > 1 and isinstance(f[1], str) else "(no reason given)"
                cls = Rejected if out.state != "up" else ConnectionLost
                return self._fail(cls(f"{out.address} refused us: {reason}"))
            else:
                return self._fail(TroupeError(f"unexpected frame kind {f[0]} from {out.address}"))
            if out.state == "failed":
                return
        self._notify()

    def _on_challenge(self, out: _Outbound, f: list) -> None:
        if len(f) != 6 or f[1] != PROTOCOL_VERSION or not isinstance(f[4], bytes) or len(f[4]) != NONCE_BYTES:
            return self._fail(Rejected(f"{out.address} sent a bad CHALLENGE (version {f[1] if len(f) > 1 else '?'})"))
        _, _, node, creation, server_nonce, proof = f
        if not hmac.compare_digest(proof, server_proof(self.cookie, out.nonce, server_nonce)):
            return self._fail(Rejected(f"{out.address} does not know the cookie"))
        out.node, out.creation = node, creation
        out.dealer.send(pack([AUTH, client_proof(self.cookie, out.nonce, server_nonce)]))
        out.last_sent = time.monotonic()
        out.state = "auth_sent"

    # --- inbound: our ROUTER, we are the server -----------------------------------------------------

    def _on_router_message(self, parts: list) -> None:
        if len(parts) < 2:
            return
        rid, data = parts[0], parts[1]
        try:
            frames = unpack_frames(data)
        except ValueError:
            return self._reject(rid, "malformed frame")
        for f in frames:
            session = self._inbound.get(rid)
            if session is None:
                if f[0] != HELLO:
                    return self._reject(rid, "not authenticated")
                self._on_hello(rid, f)
            elif not session.authenticated:
                if f[0] != AUTH:
                    return self._reject(rid, "not authenticated")
                if not self._on_auth(session, f):
                    return
            elif not self._on_session_frame(session, f):
                return

    def _on_hello(self, rid: bytes, f: list) -> None:
        # 6 elements, or 7 when the node redials us after a loss: the 7th (dropped_session) names
        # our DEALER session it forgot, which its REJECT "not authenticated" will tell us anyway.
        if len(f) not in (6, 7) or not isinstance(f[5], bytes) or len(f[5]) != NONCE_BYTES:
            return self._reject(rid, "malformed frame")
        _, version, node, creation, _listen, client_nonce = f[:6]
        if version != PROTOCOL_VERSION:
            return self._reject(rid, f"version {PROTOCOL_VERSION} required")
        s = _Inbound(rid, node, creation, client_nonce, secrets.token_bytes(NONCE_BYTES))
        self._inbound[rid] = s
        proof = server_proof(self.cookie, client_nonce, s.server_nonce)
        self._reply(rid, pack([CHALLENGE, PROTOCOL_VERSION, self.name, self.creation, s.server_nonce, proof]))

    def _on_auth(self, s: _Inbound, f: list) -> bool:
        expected = client_proof(self.cookie, s.client_nonce, s.server_nonce)
        if len(f) != 2 or not isinstance(f[1], bytes) or not hmac.compare_digest(f[1], expected):
            self._reject(s.routing_id, "wrong cookie")
            return False
        for rid in [r for r, o in self._inbound.items() if o.node == s.node and r != s.routing_id]:
            del self._inbound[rid]  # the node's previous connection
        s.authenticated = True
        s.last_heard = time.monotonic()
        self._reply(s.routing_id, pack([WELCOME]))
        return True

    def _on_session_frame(self, s: _Inbound, f: list) -> bool:
        s.last_heard = time.monotonic()
        if not s.confirmed:
            s.confirmed = True
            self._notify()
        kind = f[0]
        if kind == HEARTBEAT:
            return True
        if kind == TYPE and len(f) == 3:
            s.types[f[1]] = f[2]
            return True
        if kind == MESSAGE and len(f) == 6:
            self._on_message(s, f)
            return True
        if kind == BYE:
            del self._inbound[s.routing_id]
            self._fail(ConnectionLost(f"node '{s.node}' is leaving"))
            return False
        self._reject(s.routing_id, "malformed frame")
        return False

    def _on_message(self, s: _Inbound, f: list) -> None:
        _, type_ref, to, sender, correlation, body = f
        type_name = s.types.get(type_ref) if isinstance(type_ref, int) else type_ref
        if not isinstance(type_name, str):
            with self._cond:
                self.dropped["unknown type"] += 1  # a dead letter, as on a node
            return
        m = Message(type_name, to, sender, correlation, body)
        with self._cond:
            if correlation & REPLY_BIT:
                ref = correlation & ~REPLY_BIT
                if ref in self._pending and self._pending[ref] is None:
                    self._pending[ref] = m
                    self._cond.notify_all()
                else:
                    self.dropped["late reply"] += 1  # a reply to a call that already ended
                return
            if isinstance(to, str):
                # To a registered name: we have none (a node's services sync to every peer).
                self.dropped["to a name"] += 1
                return
            self._inbox.append(m)
            self._cond.notify_all()

    def _reply(self, rid: bytes, data: bytes) -> None:
        try:
            self._router.send_multipart([rid, data], zmq.NOBLOCK)
        except zmq.ZMQError:
            pass  # the peer is gone already

    def _reject(self, rid: bytes, reason: str) -> None:
        self._reply(rid, pack([REJECT, reason]))
        self._inbound.pop(rid, None)

    # --- liveness ------------------------------------------------------------------------------------

    def _housekeeping(self, now: float) -> None:
        out = self._out
        if out and out.state == "up" and now - out.last_sent >= self.heartbeat_interval:
            self._send_out(pack([HEARTBEAT]))
        if out and out.state in ("hello_sent", "auth_sent") and now - out.started > self.handshake_timeout:
            self._fail(TroupeError(f"handshake with {out.address} timed out"))
        for rid, s in list(self._inbound.items()):
            if not s.authenticated and now - s.started > self.handshake_timeout:
                del self._inbound[rid]
            elif s.authenticated and now - s.last_heard > self.peer_timeout:
                del self._inbound[rid]
                if out and s.node == out.node:
                    self._fail(ConnectionLost(f"node '{s.node}' not heard from for {self.peer_timeout} s"))

    def _fail(self, error: BaseException) -> None:
        """Ends the connection: pending calls and connect() raise `error`."""
        if self._out:
            self._out.state = "failed"
            self._out.dealer.close(0)
        self._out = None
        with self._cond:
            self._lost = error
            self._ready_node = None
            self._cond.notify_all()

    def _notify(self) -> None:
        """Publishes readiness: our WELCOME came, and the node's own channel to us is confirmed."""
        out = self._out
        up = out is not None and out.state == "up" and any(
            s.confirmed and s.node == out.node for s in self._inbound.values())
        with self._cond:
            self._ready_node = out.node if up else None
            self._cond.notify_all()

    def _shutdown(self) -> None:
        if self._out and self._out.state == "up":
            self._out.dealer.setsockopt(zmq.LINGER, 200)
            try:
                self._out.dealer.send(pack([BYE]), zmq.NOBLOCK)
            except zmq.ZMQError:
                pass
        if self._out:
            self._out.dealer.close()
        self._router.close(0)
