// The session engine alone: no socket, no thread, no clock. Engines talk through a test pump that
// carries each action's bytes to the other engine at a time the test chooses.

#include "troupe/transport/session.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "tests/support/test_messages.hpp"
#include "troupe/transport/handshake.hpp"
#include "troupe/transport/monitor_ring.hpp"

namespace troupe::transport {
namespace {

using namespace std::chrono_literals;

/// One node's engine and everything it asked its pump to do.
struct node {
  node(std::string name, std::uint32_t creation, std::string cookie = "troupe") {
    config.cookie = std::move(cookie);
    config.heartbeat_interval = 50ms;
    engine = std::make_unique<session_engine>(
        session_options{.name = name,
                        .creation = creation,
                        .address = name,  // an engine's address is any string its pump understands
                        .make_nonce = [this] {
                          nonce n{};
                          n[0] = static_cast<std::uint8_t>(++nonces);
                          n[1] = static_cast<std::uint8_t>(this->name.size());
                          n[2] = static_cast<std::uint8_t>(this->name.back());
                          n[3] = static_cast<std::uint8_t>(this->creation);
                          return n;
                        },
                        .blocked = {},
                        .restart_stuck_handshakes = true},
        config, stats);
    this->name = std::move(name);
    this->creation = creation;
  }
  std::string name;
  std::uint32_t creation;
  int nonces = 0;
  transport_config config;
  transport_stats stats;
  std::unique_ptr<session_engine> engine;
  std::vector<session_action> seen;

  template <class A>
  [[nodiscard]] std::vector<A> all() const {
    std::vector<A> out;
    for (auto& a : seen)
      if (auto* x = std::get_if<A>(&a)) out.push_back(*x);
    return out;
  }
  [[nodiscard]] bool up_with(std::string_view peer) const {
    bool up = false;
    for (auto& s : all<action::status>())
      if (s.peer == peer) up = s.up;
    return up;
  }
};

/// Carries bytes between engines: a client connection of node X to address Y reaches Y's engine
/// as the accepted connection "X/conn", and Y's replies to it go back to X's connection.
struct pump {
  std::map<std::string, node*> nodes;
  std::map<std::pair<std::string, conn_id>, std::string> conns;  // (node, conn) -> address
  /// Nodes whose frames are lost on the way (a cut from them).
  std::set<std::string> silent;
  time_point now{};

  explicit pump(std::initializer_list<node*> ns) {
    for (auto* n : ns) nodes[n->name] = n;
  }
  void add(node& n) { nodes[n.name] = &n; }

  void run() {
    for (bool more = true; more;) {
      more = false;
      for (auto& [name, n] : nodes) {
        auto actions = n->engine->take_actions();
        if (!actions.empty()) more = true;
        for (auto& a : actions) carry(*n, std::move(a));
      }
    }
  }

  void carry(node& from, session_action a) {
    bool cut = silent.contains(from.name);
    if (auto* d = std::get_if<action::dial>(&a)) {
      conns[{from.name, d->conn}] = d->address;
      if (!cut && nodes.contains(d->address))
        nodes[d->address]->engine->on_accepted_bytes(from.name + "/" + std::to_string(d->conn), d->hello, now);
    } else if (auto* s = std::get_if<action::send>(&a)) {
      auto it = conns.find({from.name, s->conn});
      if (!cut && it != conns.end() && nodes.contains(it->second))
        nodes[it->second]->engine->on_accepted_bytes(from.name + "/" + std::to_string(s->conn), s->bytes, now);
    } else if (auto* r = std::get_if<action::reply>(&a)) {
      auto slash = r->to.find('/');
      auto client = r->to.substr(0, slash);
      conn_id conn = std::stoull(r->to.substr(slash + 1));
      if (!cut && nodes.contains(client)) nodes[client]->engine->on_client_bytes(conn, r->bytes, now);
    } else if (auto* c = std::get_if<action::close>(&a)) {
      conns.erase({from.name, c->conn});
    }
    from.seen.push_back(std::move(a));
  }

  /// Every node's housekeeping at `t`, then the exchanges that follow.
  void tick(time_point t) {
    now = t;
    for (auto& [name, n] : nodes) n->engine->housekeeping(t);
    run();
  }
};

std::string bytes_of(const msgpack::sbuffer& b) { return {b.data(), b.size()}; }

/// The first action of kind A among `actions` (the test fails if there is none).
template <class A>
A first(std::vector<session_action> actions) {
  for (auto& a : actions)
    if (auto* x = std::get_if<A>(&a)) return std::move(*x);
  ADD_FAILURE() << "no such action";
  return {};
}

std::vector<std::string> reject_reasons(const std::vector<action::reply>& replies) {
  std::vector<std::string> out;
  for (auto& r : replies) {
    frame_reader reader(r.bytes.data(), r.bytes.size(), wire_limits{});
    auto f = reader.next();
    if (f && std::get<frame_kind>(kind_of(*f)) == frame_kind::reject) out.push_back(decode_reject_reason(*f));
  }
  return out;
}

template <class A>
std::vector<A> for_peer(const node& n, std::string_view peer) {
  std::vector<A> out;
  for (auto& a : n.all<A>())
    if (a.peer == peer) out.push_back(a);
  return out;
}

TEST(SessionEngineTest, TheRightCookieBringsUpAChannelEachWay) {
  node a("a", 1), b("b", 7);
  pump net{&a, &b};
  a.engine->connect("b", net.now);
  net.run();
  EXPECT_TRUE(a.up_with("b"));
  EXPECT_TRUE(b.up_with("a"));
  ASSERT_EQ(for_peer<action::up>(a, "b").size(), 1u);
  EXPECT_EQ(for_peer<action::up>(a, "b")[0].creation, 7u);
  EXPECT_EQ(for_peer<action::up>(b, "a")[0].creation, 1u);
  EXPECT_EQ(a.stats.handshakes.load(), 1u);
  EXPECT_EQ(b.stats.handshakes.load(), 1u);
  EXPECT_EQ(a.stats.auth_failures.load() + b.stats.auth_failures.load(), 0u);
}

TEST(SessionEngineTest, AServerThatDoesNotKnowTheCookieIsLeftBeforeAuth) {
  node a("a", 1), b("b", 2, "another cookie");
  pump net{&a, &b};
  a.engine->connect("b", net.now);
  net.run();
  EXPECT_FALSE(a.up_with("b"));
  EXPECT_FALSE(b.up_with("a"));
  EXPECT_EQ(a.stats.auth_failures.load(), 1u);  // the CHALLENGE's proof was wrong
  EXPECT_EQ(a.all<action::close>().size(), 1u);
  EXPECT_TRUE(a.all<action::send>().empty());  // no AUTH went out
}

TEST(SessionEngineTest, AClientWithAWrongProofIsRejected) {
  node b("b", 2);
  nonce nc{1, 2, 3};
  msgpack::sbuffer hello;
  encode_hello(hello, hello_frame{protocol_version, "intruder", 5, "", nc, std::nullopt});
  b.engine->on_accepted_bytes("x", bytes_of(hello), {});
  auto out = b.engine->take_actions();
  ASSERT_EQ(out.size(), 1u);
  auto challenge_bytes = std::get<action::reply>(out[0]).bytes;
  frame_reader reader(challenge_bytes.data(), challenge_bytes.size(), wire_limits{});
  auto ch = std::get<challenge_frame>(decode_challenge(*reader.next()));
  EXPECT_TRUE(proofs_equal(ch.server_proof, server_proof("troupe", nc, ch.server_nonce)));
  msgpack::sbuffer auth;
  encode_auth(auth, client_proof("guessed", nc, ch.server_nonce));
  b.engine->on_accepted_bytes("x", bytes_of(auth), {});
  std::vector<action::reply> replies;
  for (auto& a : b.engine->take_actions())
    if (auto* r = std::get_if<action::reply>(&a)) replies.push_back(*r);
  EXPECT_EQ(reject_reasons(replies), std::vector<std::string>{"wrong cookie"});
  EXPECT_TRUE(replies.back().last);
  EXPECT_EQ(b.stats.auth_failures.load(), 1u);
}

TEST(SessionEngineTest, AnotherProtocolVersionIsRefusedEitherWay) {
  node b("b", 2);
  msgpack::sbuffer hello;
  encode_hello(hello, hello_frame{protocol_version + 1, "future", 5, "", nonce{}, std::nullopt});
  b.engine->on_accepted_bytes("x", bytes_of(hello), {});
  std::vector<action::reply> replies;
  for (auto& a : b.engine->take_actions()) replies.push_back(std::get<action::reply>(a));
  EXPECT_EQ(reject_reasons(replies), std::vector<std::string>{"version 1 required"});

  node a("a", 1);  // and a client closes on a CHALLENGE of another version
  a.engine->connect("b", {});
  auto dial = std::get<action::dial>(a.engine->take_actions().at(0));
  msgpack::sbuffer challenge;
  encode_challenge(challenge, challenge_frame{protocol_version + 1, "b", 2, nonce{}, proof{}});
  a.engine->on_client_bytes(dial.conn, bytes_of(challenge), {});
  auto after = a.engine->take_actions();
  EXPECT_EQ(a.stats.auth_failures.load(), 1u);
  EXPECT_TRUE(std::ranges::any_of(after, [](auto& x) { return std::holds_alternative<action::close>(x); }));
}

TEST(SessionEngineTest, APeerThatRestartsMidHandshakeEndsWhatWasQueuedForItsOldIncarnation) {
  node a("a", 1), b1("b", 1);
  // a dials b (creation 1) and gets its CHALLENGE; a's AUTH is lost: a knows creation 1 and
  // queues sends for it (reachable), but is not up.
  a.engine->connect("b", {});
  auto dial = std::get<action::dial>(a.engine->take_actions().at(0));
  b1.engine->on_accepted_bytes("a/1", dial.hello, {});
  auto challenge = std::get<action::reply>(b1.engine->take_actions().at(0));
  a.engine->on_client_bytes(dial.conn, challenge.bytes, {});
  for (auto& x : a.engine->take_actions()) a.seen.push_back(std::move(x));
  ASSERT_EQ(for_peer<action::status>(a, "b").back().creation, 1u);
  ASSERT_TRUE(for_peer<action::status>(a, "b").back().reachable);
  ASSERT_FALSE(a.up_with("b"));
  // b restarts (creation 2) and dials a before a's handshake with creation 1 ended.
  node b2("b", 2);
  pump net{&a, &b2};
  b2.engine->connect("a", net.now);
  net.run();
  auto dropped = for_peer<action::dropped>(a, "b");
  ASSERT_FALSE(dropped.empty());
  EXPECT_EQ(dropped.front().reason, "restarted");
  EXPECT_EQ(dropped.front().creation, 1u);
  EXPECT_TRUE(dropped.front().end_watches);  // links and monitors on creation 1 fire noconnection
  EXPECT_FALSE(dropped.front().was_up);       // it never was up: no node_down
  EXPECT_EQ(for_peer<action::status>(a, "b").back().creation, 2u);
}

TEST(SessionEngineTest, AStalledChannelIsEndedWhenThePeerNamesItAsDropped) {
  node a("a", 1), b("b", 2);
  pump net{&a, &b};
  a.engine->connect("b", net.now);
  net.run();
  ASSERT_TRUE(a.up_with("b") && b.up_with("a"));
  // b's frames stop reaching a (one way): a loses b; b hears a's heartbeats and keeps it.
  net.silent.insert("b");
  auto t = net.now;
  for (auto step = 10ms; step <= 2s; step += 10ms) {
    net.now = t + step;
    a.engine->housekeeping(net.now);
    net.run();
    if (!a.up_with("b")) break;
  }
  ASSERT_FALSE(a.up_with("b"));
  ASSERT_TRUE(b.up_with("a"));
  // a redials with HELLO naming b's channel it dropped; b ends that channel as a loss.
  net.silent.clear();
  net.now += a.config.reconnect_interval + 10ms;
  a.engine->housekeeping(net.now);  // b's stays quiet: its frames would not have reached a
  net.run();
  auto dropped = for_peer<action::dropped>(b, "a");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].reason, "the peer dropped our connection");
  EXPECT_TRUE(dropped[0].was_up);
  EXPECT_TRUE(a.up_with("b"));
  EXPECT_TRUE(b.up_with("a"));
  EXPECT_EQ(b.all<action::dial>().size(), 2u);  // b opened a fresh channel
}

// Found by the simulation running the engine (seed 2): a peer lost while our own channel to it
// was still in its handshake (reachable, not up) lost what was queued for it without firing the
// links and monitors queued with it, so a sender missed a message with no noconnection.
TEST(SessionEngineTest, APeerLostWhileOurChannelIsSetUpEndsTheWatchesQueuedForIt) {
  // b's handshake reaches a, so a welcomes b (reachable: sends to b are queued) and dials back;
  // that dial is never answered.
  node a("a", 1), b2("b", 2);
  time_point now{};
  b2.engine->connect("a", now);
  auto dial = std::get<action::dial>(b2.engine->take_actions().at(0));
  a.engine->on_accepted_bytes("b2/1", dial.hello, now);
  auto challenge = std::get<action::reply>(a.engine->take_actions().at(0));
  b2.engine->on_client_bytes(dial.conn, challenge.bytes, now);
  auto auth = first<action::send>(b2.engine->take_actions());
  a.engine->on_accepted_bytes("b2/1", auth.bytes, now);
  for (auto& x : a.engine->take_actions()) a.seen.push_back(std::move(x));
  ASSERT_TRUE(for_peer<action::status>(a, "b").back().reachable);
  ASSERT_FALSE(a.up_with("b"));
  msgpack::sbuffer bye;
  encode_bye(bye);
  a.engine->on_accepted_bytes("b2/1", bytes_of(bye), now);  // b leaves before a's channel is up
  for (auto& x : a.engine->take_actions()) a.seen.push_back(std::move(x));
  auto dropped = for_peer<action::dropped>(a, "b");
  ASSERT_FALSE(dropped.empty());
  EXPECT_EQ(dropped.back().reason, "left");
  EXPECT_FALSE(dropped.back().was_up);
  EXPECT_TRUE(dropped.back().end_watches);
}

// Found by the simulation (seed 1437): our channel to a peer failed in its handshake while the
// peer's channel to us was up. What we had queued for the peer was dropped (a DOWN answering
// its monitor among it) and our watches ended, but the peer saw nothing wrong and its monitor
// never fired. Now it is a loss of both channels: the peer's next frame is refused, and it
// loses this node too.
TEST(SessionEngineTest, OurChannelFailingInItsHandshakeEndsThePeersChannelToUsToo) {
  node a("a", 1), b("b", 2);
  time_point now{};
  // The first action of kind A in `v`, copied; then `v` goes to `n.seen`.
  auto keep = [](node& n, std::vector<session_action> v, auto kind) {
    using A = decltype(kind);
    A out{};
    bool found = false;
    for (auto& x : v)
      if (auto* y = std::get_if<A>(&x); y && !found) out = *y, found = true;
    EXPECT_TRUE(found) << "no such action";
    for (auto& x : v) n.seen.push_back(std::move(x));
    return out;
  };
  b.engine->connect("a", now);
  auto dial = keep(b, b.engine->take_actions(), action::dial{});
  a.engine->on_accepted_bytes("b/1", dial.hello, now);
  auto challenge = keep(a, a.engine->take_actions(), action::reply{});
  b.engine->on_client_bytes(dial.conn, challenge.bytes, now);
  auto auth = keep(b, b.engine->take_actions(), action::send{});
  a.engine->on_accepted_bytes("b/1", auth.bytes, now);
  auto welcomed = a.engine->take_actions();
  // a dials back on welcoming b; that channel will fail before it comes up.
  bool dialled_back = false;
  conn_id back{};
  for (auto& x : welcomed)
    if (auto* d = std::get_if<action::dial>(&x)) dialled_back = true, back = d->conn;
  ASSERT_TRUE(dialled_back);
  auto welcome = keep(a, std::move(welcomed), action::reply{});
  b.engine->on_client_bytes(dial.conn, welcome.bytes, now);
  for (auto& x : b.engine->take_actions()) b.seen.push_back(std::move(x));
  ASSERT_TRUE(b.up_with("a"));
  ASSERT_FALSE(a.up_with("b"));

  a.engine->client_broken(back, "handshake timeout", now + 10ms);
  for (auto& x : a.engine->take_actions()) a.seen.push_back(std::move(x));
  auto dropped = for_peer<action::dropped>(a, "b");
  ASSERT_FALSE(dropped.empty());
  EXPECT_TRUE(dropped.back().end_watches);
  EXPECT_FALSE(dropped.back().was_up);  // never up here: no node_down

  // b's next frame on its channel is refused, and b loses a.
  now += b.config.heartbeat_interval + 10ms;
  b.engine->housekeeping(now);
  auto heartbeat = keep(b, b.engine->take_actions(), action::send{});
  a.engine->on_accepted_bytes("b/1", heartbeat.bytes, now);
  auto refused = keep(a, a.engine->take_actions(), action::reply{});
  ASSERT_EQ(reject_reasons({refused}).size(), 1u) << "a kept b's channel";
  b.engine->on_client_bytes(dial.conn, refused.bytes, now);
  for (auto& x : b.engine->take_actions()) b.seen.push_back(std::move(x));
  EXPECT_FALSE(b.up_with("a"));
  auto lost = for_peer<action::dropped>(b, "a");
  ASSERT_FALSE(lost.empty());
  EXPECT_TRUE(lost.back().was_up);
  EXPECT_TRUE(lost.back().end_watches);  // b's links and monitors of a's processes fire noconnection
}

TEST(SessionEngineTest, TypeIdsAreInternedPerConnection) {
  node a("a", 1), b("b", 2);
  pump net{&a, &b};
  a.engine->connect("b", net.now);
  net.run();
  ASSERT_TRUE(a.up_with("b"));
  conn_id conn = for_peer<action::up>(a, "b")[0].conn;
  pid to{intern_node("b"), 2, 9};
  msgpack::sbuffer frames;
  encode_type_def(frames, 1, "test.text");
  encode_message_head(frames, 1);
  encode_message_tail(frames, to, *make_envelope<test::text>(pid{intern_node("a"), 1, 3}, test::text{"hi"}));
  encode_message_head(frames, 2);  // never defined
  encode_message_tail(frames, to, *make_envelope<test::text>(pid{}, test::text{"lost"}));
  net.carry(a, action::send{conn, bytes_of(frames)});
  net.run();
  std::vector<const action::deliver*> delivered;
  for (auto& x : b.seen)
    if (auto* d = std::get_if<action::deliver>(&x)) delivered.push_back(d);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0]->peer, "a");
  EXPECT_EQ(delivered[0]->message.to, to);
  EXPECT_EQ(payload<test::text>(*delivered[0]->message.envelope).value, "hi");
  EXPECT_EQ(b.stats.unknown_types.load(), 1u);
  EXPECT_EQ(b.stats.messages_in.load(), 1u);
}

TEST(SessionEngineTest, HeartbeatsGoOutOnAnIdleChannelAndTheirLossLosesThePeer) {
  node a("a", 1), b("b", 2);
  pump net{&a, &b};
  a.engine->connect("b", net.now);
  net.run();
  auto sends_before = a.all<action::send>().size();
  net.tick(net.now + a.config.heartbeat_interval);
  ASSERT_EQ(a.all<action::send>().size(), sends_before + 1);
  msgpack::sbuffer hb;
  encode_heartbeat(hb);
  EXPECT_EQ(a.all<action::send>().back().bytes, bytes_of(hb));
  // From now on nothing from a reaches b.
  net.silent.insert("a");
  auto t = net.now;
  for (auto step = 10ms; step <= 3s && b.up_with("a"); step += 10ms) net.tick(t + step);
  EXPECT_FALSE(b.up_with("a"));
  auto dropped = for_peer<action::dropped>(b, "a");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].reason, "timeout");
  EXPECT_TRUE(dropped[0].end_watches);
  EXPECT_EQ(b.stats.detections.load(), 1u);
  EXPECT_LE(b.stats.detection_ms_last.load(), 1500u);
}

/// `count` messages of a's on its up channel to b.
void send_messages(pump& net, node& a, std::string_view b, int count) {
  conn_id conn = for_peer<action::up>(a, b).back().conn;
  msgpack::sbuffer frames;
  encode_type_def(frames, 1, "test.text");
  for (int i = 0; i < count; ++i) {
    encode_message_head(frames, 1);
    encode_message_tail(frames, pid{intern_node(std::string(b)), 2, 9}, *make_envelope<test::text>(pid{}, test::text{"hi"}));
  }
  net.carry(a, action::send{conn, bytes_of(frames)});
  net.run();
}

/// a dials b, and both channels come up.
void bring_up(pump& net, node& a, node& b) {
  a.engine->connect(b.name, net.now);
  net.run();
  ASSERT_TRUE(a.up_with(b.name));
  ASSERT_TRUE(b.up_with(a.name));
}

std::string receipt_bytes(std::uint64_t n) {
  msgpack::sbuffer r;
  encode_receipt(r, n);
  return bytes_of(r);
}

TEST(SessionEngineTest, AReceiptConfirmsWhatArrivedAndALossReportsTheLastOne) {
  node a("a", 1), b("b", 2);
  pump net{&a, &b};
  bring_up(net, a, b);
  send_messages(net, a, "b", 3);
  // b's heartbeat to a is due: it carries the receipt instead of a plain [6].
  net.tick(net.now + b.config.heartbeat_interval);
  EXPECT_EQ(b.all<action::send>().back().bytes, receipt_bytes(3));
  // Nothing new arrived: the next heartbeat is a plain one again.
  net.tick(net.now + b.config.heartbeat_interval);
  msgpack::sbuffer hb;
  encode_heartbeat(hb);
  EXPECT_EQ(b.all<action::send>().back().bytes, bytes_of(hb));
  send_messages(net, a, "b", 2);  // these two are never confirmed: b falls silent
  net.silent.insert("b");
  auto t = net.now;
  for (auto step = 10ms; step <= 3s && a.up_with("b"); step += 10ms) net.tick(t + step);
  auto dropped = for_peer<action::dropped>(a, "b");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].reason, "timeout");
  EXPECT_EQ(dropped[0].confirmed, std::optional<std::uint64_t>(3));
}

TEST(SessionEngineTest, ALeavingPeerConfirmsEverythingBeforeItsBye) {
  node a("a", 1), b("b", 2);
  pump net{&a, &b};
  bring_up(net, a, b);
  send_messages(net, a, "b", 4);
  b.engine->shutdown();
  net.run();
  auto dropped = for_peer<action::dropped>(a, "b");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].reason, "left");
  EXPECT_EQ(dropped[0].confirmed, std::optional<std::uint64_t>(4));
  // a received nothing, and said so when its channel came up: all b handed over is unconfirmed.
  EXPECT_EQ(for_peer<action::dropped>(b, "a").back().confirmed, std::optional<std::uint64_t>(0));
}

TEST(SessionEngineTest, ABusyChannelGetsAReceiptAloneEveryReceiptInterval) {
  node a("a", 1), b("b", 2);
  pump net{&a, &b};
  bring_up(net, a, b);
  const auto t0 = net.now;
  // b keeps sending too, so no heartbeat of its is ever due; a receipt still goes.
  conn_id b_conn = for_peer<action::up>(b, "a").back().conn;
  int receipts = 0;
  for (auto t = t0 + 10ms; t <= t0 + 2s; t += 10ms) {
    send_messages(net, a, "b", 1);
    b.engine->sent(b_conn, t);
    auto before = b.all<action::send>().size();
    net.tick(t);
    auto sends = b.all<action::send>();
    for (auto i = before; i < sends.size(); ++i)
      if (frame_reader r(sends[i].bytes.data(), sends[i].bytes.size(), wire_limits{}); auto f = r.next())
        if (decode_heartbeat_receipt(*f)) ++receipts;
  }
  const auto expected = (2s / b.config.receipt_interval);
  EXPECT_GE(receipts, expected - 1);
  EXPECT_LE(receipts, expected + 1);
}

/// a's raw frames `[8, type, to, from, 0, body]` plus `extra` trailing elements, on a's channel to b.
std::string raw_message(const std::string& type, const pid& to, const std::function<void(msgpack::packer<msgpack::sbuffer>&)>& from,
                        int extra = 0) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(6 + extra);
  pk.pack(std::uint8_t(frame_kind::message));
  pk.pack(type);
  pk.pack(to);
  from(pk);
  pk.pack(0);
  pk.pack_array(1);
  pk.pack(std::string("hi"));
  for (int i = 0; i < extra; ++i) pk.pack_nil();
  return bytes_of(buf);
}

// PROTOCOL.md §12: a TYPE or MESSAGE frame a node cannot use costs that frame only. One that is
// ill-formed itself (wrong arity, a `from` or `to` that is no pid) counts as a malformed frame —
// not as a body that does not decode — and one of an unknown type as an unknown type.
TEST(SessionEngineTest, AnIllFormedMessageIsDroppedAsMalformedAndTheConnectionKept) {
  node a("a", 1), b("b", 2);
  pump net{&a, &b};
  a.engine->connect("b", net.now);
  net.run();
  ASSERT_TRUE(a.up_with("b"));
  const conn_id conn = for_peer<action::up>(a, "b")[0].conn;
  const pid to{intern_node("b"), 2, 9};
  auto nil = [](auto& pk) { pk.pack_nil(); };
  auto send = [&](const std::string& bytes) {
    net.carry(a, action::send{conn, bytes});
    net.run();
  };
  send(raw_message("test.text", to, nil, 1));                               // 7 elements
  send(raw_message("test.text", to, [](auto& pk) { pk.pack(42); }));      // from: an int
  send(raw_message("test.text", to, [](auto& pk) {                        // from: a pid of 2 elements
    msgpack::sbuffer body;
    msgpack::pack(body, std::make_tuple(std::string("a"), 1));
    pk.pack_ext(body.size(), pid_ext_type);
    pk.pack_ext_body(body.data(), body.size());
  }));
  {
    msgpack::sbuffer bad_type;  // [7, "one"]: a TYPE frame of 2 elements
    msgpack::packer<msgpack::sbuffer> pk(bad_type);
    pk.pack_array(2);
    pk.pack(std::uint8_t(frame_kind::type_def));
    pk.pack(std::string("one"));
    send(bytes_of(bad_type));
  }
  EXPECT_EQ(b.stats.malformed_frames.load(), 4u);
  EXPECT_EQ(b.stats.unknown_types.load(), 0u) << "a bad sender is not a body that does not decode";
  send(raw_message("test.nobody_knows_this", to, nil));
  EXPECT_EQ(b.stats.unknown_types.load(), 1u);
  EXPECT_EQ(b.stats.malformed_frames.load(), 4u);
  // The connection is kept: no REJECT, still up both ways, and the next good message arrives.
  EXPECT_TRUE(reject_reasons(b.all<action::reply>()).empty());
  EXPECT_TRUE(b.up_with("a"));
  EXPECT_TRUE(a.up_with("b"));
  send(raw_message("test.text", to, [](auto& pk) { pk.pack(pid{intern_node("a"), 1, 3}); }));
  std::vector<const action::deliver*> delivered;
  for (auto& x : b.seen)
    if (auto* d = std::get_if<action::deliver>(&x)) delivered.push_back(d);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(payload<test::text>(*delivered[0]->message.envelope).value, "hi");
}

// PROTOCOL.md §13: a HEARTBEAT is read whatever its elements (one that is not [6] or [6, bool]
// is a plain heartbeat); a frame of an unknown kind, or a LOST of the wrong arity, costs the
// connection.
TEST(SessionEngineTest, AnyHeartbeatIsReadButAnUnknownKindOrABadLostCostsTheConnection) {
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    node a("a", 1), b("b", 2);
    pump net{&a, &b};
    a.engine->connect("b", net.now);
    net.run();
    ASSERT_TRUE(b.up_with("a"));
    const conn_id conn = for_peer<action::up>(a, "b")[0].conn;
    msgpack::sbuffer hb;  // [6, true, "later"], [6, "yes"]
    msgpack::packer<msgpack::sbuffer> hpk(hb);
    hpk.pack_array(3);
    hpk.pack(std::uint8_t(frame_kind::heartbeat));
    hpk.pack(true);
    hpk.pack(std::string("later"));
    hpk.pack_array(2);
    hpk.pack(std::uint8_t(frame_kind::heartbeat));
    hpk.pack(std::string("yes"));
    net.carry(a, action::send{conn, bytes_of(hb)});
    net.run();
    EXPECT_TRUE(b.up_with("a"));
    EXPECT_EQ(b.stats.malformed_frames.load(), 0u);
    if (variant == 0) continue;
    msgpack::sbuffer bad;
    msgpack::packer<msgpack::sbuffer> pk(bad);
    if (variant == 1) {
      pk.pack_array(1);
      pk.pack(11);  // a kind this version does not know
    } else {
      pk.pack_array(3);  // LOST without silent_ms
      pk.pack(std::uint8_t(frame_kind::lost));
      pk.pack(std::string("c"));
      pk.pack(5);
    }
    net.carry(a, action::send{conn, bytes_of(bad)});
    net.run();
    EXPECT_EQ(b.stats.malformed_frames.load(), 1u);
    EXPECT_EQ(reject_reasons(b.all<action::reply>()), std::vector<std::string>{"malformed frame"});
    EXPECT_FALSE(b.up_with("a"));
  }
}

/// a and b are up; a second process named "b" (creation 9) proves the cookie to a.
struct SessionEngineDuplicateNameTest : ::testing::Test {
  node a{"a", 1}, b{"b", 2}, impostor{"b", 9};
  pump net{&a, &b};
  std::string impostor_conn = "impostor/1";

  void SetUp() override {
    a.engine->connect("b", net.now);
    net.run();
    ASSERT_TRUE(a.up_with("b"));
    impostor.engine->connect("a", net.now);
    auto dial = std::get<action::dial>(impostor.engine->take_actions().at(0));
    a.engine->on_accepted_bytes(impostor_conn, dial.hello, net.now);
    auto challenge = std::get<action::reply>(a.engine->take_actions().at(0));
    impostor.engine->on_client_bytes(dial.conn, challenge.bytes, net.now);
    auto auth = first<action::send>(impostor.engine->take_actions());
    a.engine->on_accepted_bytes(impostor_conn, auth.bytes, net.now);
    ASSERT_TRUE(a.engine->take_actions().empty());  // held: is the member alive?
  }
  std::vector<std::string> answers() const {
    std::vector<action::reply> to_impostor;
    for (auto& r : a.all<action::reply>())
      if (r.to == impostor_conn) to_impostor.push_back(r);
    return reject_reasons(to_impostor);
  }
};

TEST_F(SessionEngineDuplicateNameTest, ANewcomerClaimingALiveMembersNameIsRefusedOnceTheMemberIsHeard) {
  net.tick(net.now + 60ms);  // b's heartbeat reaches a, then a decides
  net.tick(net.now + 10ms);
  ASSERT_EQ(answers().size(), 1u);
  EXPECT_TRUE(is_name_in_use(answers()[0]));
  EXPECT_EQ(a.stats.duplicate_names.load(), 1u);
  EXPECT_TRUE(a.up_with("b"));
  EXPECT_TRUE(for_peer<action::dropped>(a, "b").empty());  // nothing about the member changed
}

TEST_F(SessionEngineDuplicateNameTest, ANewcomerClaimingASilentMembersNameIsItsRestart) {
  net.silent.insert("b");
  for (auto step = 10ms; step <= 2s && answers().empty(); step += 10ms) net.tick(net.now + 10ms);
  EXPECT_TRUE(answers().empty());  // no REJECT: welcomed
  EXPECT_EQ(a.stats.duplicate_names.load(), 0u);
  auto dropped = for_peer<action::dropped>(a, "b");
  ASSERT_FALSE(dropped.empty());
  EXPECT_EQ(dropped[0].creation, 2u);
  EXPECT_EQ(for_peer<action::status>(a, "b").back().creation, 9u);
}


// --- watching a ring, reporting losses (docs/membership.md, "Failure detection at scale") ----------

/// The kinds of the frames in `bytes`.
std::vector<frame_kind> kinds_in(const std::string& bytes) {
  std::vector<frame_kind> out;
  frame_reader reader(bytes.data(), bytes.size(), wire_limits{});
  while (auto f = reader.next()) {
    auto k = kind_of(*f);
    if (auto* kind = std::get_if<frame_kind>(&k)) out.push_back(*kind);
  }
  return out;
}

/// The watch flags of the HEARTBEATs in `bytes` ([6, true] / [6, false]; a plain [6] has none).
std::vector<bool> watch_flags_in(const std::string& bytes) {
  std::vector<bool> out;
  frame_reader reader(bytes.data(), bytes.size(), wire_limits{});
  while (auto f = reader.next()) {
    auto k = kind_of(*f);
    if (auto* kind = std::get_if<frame_kind>(&k); !kind || *kind != frame_kind::heartbeat) continue;
    auto flag = decode_heartbeat_watch(*f);
    if (auto* w = std::get_if<std::optional<bool>>(&flag); w && w->has_value()) out.push_back(**w);
  }
  return out;
}

/// Eight nodes n1..n8, each watched by `k` = 2, connected in a full mesh; all up.
struct SessionEngineRingTest : ::testing::Test {
  static constexpr std::size_t k = 2;
  std::vector<std::unique_ptr<node>> nodes;
  pump net{};

  void SetUp() override {
    for (int i = 1; i <= 8; ++i) {
      nodes.push_back(std::make_unique<node>("n" + std::to_string(i), 1));
      nodes.back()->config.monitored_by = k;
      net.add(*nodes.back());
    }
    for (auto& a : nodes)
      for (auto& b : nodes)
        if (a->name < b->name) a->engine->connect(b->name, net.now);
    net.run();
    for (auto& a : nodes)
      for (auto& b : nodes)
        if (a != b) {
          ASSERT_TRUE(a->up_with(b->name)) << a->name << " -> " << b->name;
        }
  }
  node& at(int i) { return *nodes.at(i - 1); }
  /// Runs housekeeping every 10 ms for `d`.
  void run_for(duration d) {
    for (auto end = net.now + d; net.now < end;) net.tick(net.now + 10ms);
  }
  /// The watch flags `from` sent to `to` since `from.seen[since]`, in order.
  std::vector<bool> flags(const node& from, const std::string& to, std::size_t since = 0) {
    std::vector<bool> out;
    for (std::size_t i = since; i < from.seen.size(); ++i)
      if (auto* s = std::get_if<action::send>(&from.seen[i])) {
        auto it = net.conns.find({from.name, s->conn});
        if (it != net.conns.end() && it->second == to) std::ranges::copy(watch_flags_in(s->bytes), std::back_inserter(out));
      }
    return out;
  }
  /// The frames of `kind` that `from` sent to `to` since `from.seen[since]`.
  std::size_t sent(const node& from, const std::string& to, frame_kind kind, std::size_t since = 0) {
    std::size_t n = 0;
    for (std::size_t i = since; i < from.seen.size(); ++i)
      if (auto* s = std::get_if<action::send>(&from.seen[i])) {
        auto it = net.conns.find({from.name, s->conn});
        if (it != net.conns.end() && it->second == to) n += std::ranges::count(kinds_in(s->bytes), kind);
      }
    return n;
  }
};

TEST_F(SessionEngineRingTest, HeartbeatsGoOnlyToTheKMembersThatWatchEachNode) {
  run_for(100ms);  // each has heard the others' watch flags: it knows they speak the ring
  std::map<std::string, std::size_t> mark;
  for (auto& n : nodes) mark[n->name] = n->seen.size();
  run_for(1s);
  std::vector<std::string> names;
  for (auto& n : nodes) names.push_back(n->name);
  for (auto& x : nodes) {
    auto watchers = ring_predecessors(x->name, names, k);
    for (auto& y : nodes) {
      if (x == y) continue;
      auto beats = sent(*x, y->name, frame_kind::heartbeat, mark[x->name]);
      if (std::ranges::find(watchers, y->name) != watchers.end())
        EXPECT_GE(beats, 15u) << x->name << " -> " << y->name;  // every 50 ms for 1 s
      else
        EXPECT_EQ(beats, 0u) << x->name << " -> " << y->name;
    }
  }
  for (auto& n : nodes) EXPECT_EQ(n->stats.detections.load(), 0u) << n->name;  // no false loss
}

TEST_F(SessionEngineRingTest, AMemberThatFallsSilentIsLostByItsWatchersAndThenByEveryoneThroughTheirReports) {
  net.silent.insert("n5");  // n5 dies: nothing from it arrives any more
  auto t0 = net.now;
  auto everyone_lost_it = [&] {
    return std::ranges::all_of(nodes, [](auto& n) { return n->name == "n5" || !n->up_with("n5"); });
  };
  while (!everyone_lost_it() && net.now - t0 < 3s) net.tick(net.now + 10ms);
  ASSERT_TRUE(everyone_lost_it());
  EXPECT_LE(net.now - t0, 1s);
  for (auto& n : nodes) {
    if (n->name == "n5") continue;
    auto dropped = for_peer<action::dropped>(*n, "n5");
    ASSERT_EQ(dropped.size(), 1u) << n->name;
    EXPECT_TRUE(dropped[0].was_up && dropped[0].end_watches) << n->name;  // links and monitors fire noconnection
    if (n->name == "n3" || n->name == "n4")  // n5's watchers: their own detector decided
      EXPECT_EQ(dropped[0].reason, "timeout") << n->name;
    else  // two reports, in the order they came
      EXPECT_TRUE(dropped[0].reason == "reported lost by n3, n4" || dropped[0].reason == "reported lost by n4, n3")
          << n->name << ": " << dropped[0].reason;
  }
  EXPECT_EQ(at(3).stats.loss_reports_sent.load(), 6u);  // to every member but n5 and itself
  EXPECT_EQ(at(1).stats.losses_by_report.load(), 1u);
  // The ring closes over the gap: n4 now watches n6 (and n3 watches n6 too, k = 2).
  auto mark = at(6).seen.size();
  run_for(300ms);
  EXPECT_GT(sent(at(6), "n4", frame_kind::heartbeat, mark), 0u);
  EXPECT_GT(sent(at(6), "n3", frame_kind::heartbeat, mark), 0u);
}

TEST_F(SessionEngineRingTest, OneReportOfALiveMemberOnlyMakesTheReceiverCheckItForItself) {
  // n1 claims n5 is lost (as if only n1 were cut from it). n7 does not watch n5 (n3, n4 do).
  std::string n1_to_n7;
  for (auto& [key, address] : net.conns)
    if (key.first == "n1" && address == "n7") n1_to_n7 = "n1/" + std::to_string(key.second);
  ASSERT_FALSE(n1_to_n7.empty());
  run_for(500ms);  // n7 has not heard from n5 for a while: no evidence of its own
  msgpack::sbuffer report;
  encode_lost(report, lost_report{"n5", 1, 500});
  auto mark = at(7).seen.size();
  at(7).engine->on_accepted_bytes(n1_to_n7, bytes_of(report), net.now);
  net.run();
  EXPECT_EQ(flags(at(7), "n5", mark), std::vector<bool>{true});  // a probe: n5, send me heartbeats
  run_for(2s);
  EXPECT_TRUE(at(7).up_with("n5"));
  EXPECT_TRUE(for_peer<action::dropped>(at(7), "n5").empty());
  EXPECT_EQ(flags(at(7), "n5", mark), (std::vector<bool>{true, false}));  // the probe ended: stop
  EXPECT_EQ(at(7).stats.losses_by_report.load(), 0u);
}

TEST_F(SessionEngineRingTest, TwoReportsFarApartDoNotLoseALiveMember) {
  auto conn_to_n7 = [&](const std::string& from) {
    for (auto& [key, address] : net.conns)
      if (key.first == from && address == "n7") return from + "/" + std::to_string(key.second);
    return std::string();
  };
  msgpack::sbuffer report;
  encode_lost(report, lost_report{"n5", 1, 500});
  run_for(500ms);
  at(7).engine->on_accepted_bytes(conn_to_n7("n1"), bytes_of(report), net.now);
  net.run();
  run_for(3s);  // n7's probe of n5 ends; n5 went silent toward n7 again since
  at(7).engine->on_accepted_bytes(conn_to_n7("n2"), bytes_of(report), net.now);
  net.run();
  run_for(500ms);
  EXPECT_TRUE(at(7).up_with("n5"));  // the second report only started another probe
  EXPECT_EQ(at(7).stats.losses_by_report.load(), 0u);
}

TEST_F(SessionEngineRingTest, ANodeCutOffFromEveryoneLosesEveryMember) {
  // n2 hears nobody (everyone else's frames are lost on the way to it, and its own to them).
  for (auto& n : nodes)
    if (n->name != "n2") net.silent.insert(n->name);
  net.silent.insert("n2");
  auto t0 = net.now;
  auto n2_alone = [&] {
    return std::ranges::none_of(nodes, [&](auto& n) { return n->name != "n2" && at(2).up_with(n->name); });
  };
  while (!n2_alone() && net.now - t0 < 5s) net.tick(net.now + 10ms);
  EXPECT_TRUE(n2_alone());
  // Its watched members by its detector, then a check round for all the others: two detection times.
  EXPECT_LE(net.now - t0, 2 * (at(2).config.peer_timeout + 2 * at(2).config.heartbeat_interval));
}

TEST(SessionEngineSmallClusterTest, AClusterOfAtMostKPlusOneMembersIsAFullMeshOfDetectorsAndSendsNoReport) {
  node a("a", 1), b("b", 1), c("c", 1);
  pump net{&a, &b, &c};
  a.engine->connect("b", net.now);
  a.engine->connect("c", net.now);
  b.engine->connect("c", net.now);
  net.run();
  net.silent.insert("c");
  for (auto t = net.now; net.now - t < 2s && (a.up_with("c") || b.up_with("c"));) net.tick(net.now + 10ms);
  for (auto* n : {&a, &b}) {
    auto dropped = for_peer<action::dropped>(*n, "c");
    ASSERT_EQ(dropped.size(), 1u);
    EXPECT_EQ(dropped[0].reason, "timeout");  // each its own verdict, as before
    EXPECT_EQ(n->stats.loss_reports_sent.load(), 0u);
  }
}
TEST(SessionEngineSmallClusterTest, MonitoredByZeroIsTheFullMeshWithoutWatchFlagsOrLostFrames) {
  node a("a", 1), b("b", 1), c("c", 1);
  for (auto* n : {&a, &b, &c}) n->config.monitored_by = 0;  // a cluster mixing older releases
  pump net{&a, &b, &c};
  a.engine->connect("b", net.now);
  a.engine->connect("c", net.now);
  b.engine->connect("c", net.now);
  net.run();
  for (auto t = net.now; net.now - t < 500ms;) net.tick(net.now + 10ms);
  net.silent.insert("c");
  for (auto t = net.now; net.now - t < 2s && (a.up_with("c") || b.up_with("c"));) net.tick(net.now + 10ms);
  for (auto* n : {&a, &b}) {
    std::size_t heartbeats = 0;
    for (auto& s : n->all<action::send>())
      for (auto k : kinds_in(s.bytes)) {
        EXPECT_NE(k, frame_kind::lost);
        EXPECT_TRUE(watch_flags_in(s.bytes).empty());  // plain HEARTBEATs, as before the flag
        heartbeats += k == frame_kind::heartbeat;
      }
    EXPECT_GT(heartbeats, 10u);
    EXPECT_EQ(for_peer<action::dropped>(*n, "c").at(0).reason, "timeout");
  }
}

// A peer that never sends the watch flag (a node of an older release, or a client under a
// member's name such as tools/pyclient) gets HEARTBEATs from every member, is judged by every
// member's own detector, and is sent no LOST frame (it would not know it).
TEST_F(SessionEngineRingTest, APeerThatDoesNotSpeakTheWatchFlagIsTreatedAsAFullMeshPeer) {
  // "py" connects to n1, n3 (a watcher of n5) and n7, and never sends a flagged HEARTBEAT.
  node py("py", 3);
  py.config.monitored_by = 0;  // speaks no flag: as a client written from the version-1 text
  net.add(py);
  for (auto* to : {"n1", "n3", "n7"}) py.engine->connect(to, net.now);
  net.run();
  ASSERT_TRUE(at(1).up_with("py") && at(3).up_with("py") && at(7).up_with("py"));
  auto mark = at(1).seen.size();
  run_for(1s);
  EXPECT_GE(sent(at(1), "py", frame_kind::heartbeat, mark), 15u);  // every member heartbeats it
  net.silent.insert("n5");
  run_for(1500ms);
  EXPECT_FALSE(at(1).up_with("n5"));
  EXPECT_EQ(sent(at(3), "py", frame_kind::lost), 0u);
  EXPECT_TRUE(at(1).up_with("py"));
}

}  // namespace
}  // namespace troupe::transport
