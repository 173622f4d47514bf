// The global supervisor in small simulated worlds, driven step by step into the exact
// situation a simulation seed found (docs/simulation.md, "Bugs it found").

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "troupe/node/clock.hpp"  // before the messages header, which uses time_point
#include "troupe/cluster/global_supervisor_messages.hpp"
#include "troupe/cluster/placement.hpp"
#include "troupe/node/spawner.hpp"
#include "simulation/world.hpp"

namespace troupe::sim {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t n1 = 0, n2 = 1, n3 = 2, n4 = 3;  // member indices


void cut(world& w, std::size_t a, std::size_t b, bool on) {
  w.wire().faults(w.slot(a), w.slot(b)).cut = on;
  w.wire().faults(w.slot(b), w.slot(a)).cut = on;
}

/// Steps until `done` holds or `limit` of virtual time has passed; whether it holds.
template <typename F>
bool step_until(world& w, duration limit, F done) {
  const auto until = w.now() + limit;
  while (!done() && w.now() < until) w.step();
  return done();
}

/// A child id whose rendezvous owner is n3 among all four nodes and n4 without n3.
std::string id_owned_by_n3_then_n4() {
  auto placement = uniform_placement();
  const std::vector<std::string> all{"n1", "n2", "n3", "n4"}, without_n3{"n1", "n2", "n4"};
  for (int i = 0;; ++i) {
    auto id = "x-" + std::to_string(i);
    if (placement->owner({id}, all) == "n3" && placement->owner({id}, without_n3) == "n4") return id;
  }
}

/// Where `from` believes the child runs ("" when it knows of no copy).
std::string where(world& w, std::size_t from, const std::string& id) {
  for (auto& c : w.at(from).supervisor->which_children())
    if (c.id == id) return c.node;
  return "?";
}

/// Seed 44's situation: n3 sees n4 come back after its link flapped, and n4 pauses before its
/// sync reaches n3. Whether the sync is too late depends on the interleaving, so this tries
/// worlds until one gets there; false when `seed`'s does not.
bool lose_a_peer_before_its_sync(std::uint64_t seed, const std::string& id, std::vector<std::string>& duplicates,
                                 std::size_t& copies) {
  world w(seed, {.nodes = 4});
  w.run_for(1s);
  // Put the child on n4 although n3 is its owner: start it while n3 is cut off. Once n3 is
  // back it stays on n4 (a running child is sticky).
  for (std::size_t i = 0; i < 4; ++i)
    if (i != n3) cut(w, n3, i, true);
  w.run_for(1s);
  global_child_spec spec{.id = id, .type = "sim.child", .args = spawn_args(id)};
  EXPECT_TRUE(w.at(0).supervisor->start_child(spec).has_value());
  w.run_for(3s);
  w.wire().clear_faults();
  w.run_for(4s);  // n3 regains quorum, syncs with everyone, and the grace of every loss is over
  EXPECT_EQ(where(w, n3, id), "n4");
  EXPECT_TRUE(w.log().duplicates.empty());

  // The link n3-n4 flaps: each loses the other (n3 keeps quorum with n1 and n2)...
  cut(w, n3, n4, true);
  EXPECT_TRUE(step_until(w, 3s, [&] { return !w.at(n3).net->connected("n4") && !w.at(n4).net->connected("n3"); }));
  cut(w, n3, n4, false);
  // ...and comes back; n4 pauses as soon as n3 sees it up, before its sync can reach n3.
  EXPECT_TRUE(step_until(w, 3s, [&] { return w.at(n3).net->connected("n4"); }));
  w.set_paused(n4, true);
  w.run_for(10ms);
  if (where(w, n3, id) != "") return false;  // n4's sync was faster: n3 knows where the child runs
  w.run_for(1400ms);  // n3 (and n1, n2) lose n4; a pause shorter than the grace
  w.set_paused(n4, false);
  w.run_for(4s);
  duplicates = w.log().duplicates;
  copies = w.log().running[id].size();
  return true;
}

// Seed 44: n3 saw n4 come back (its link had flapped) and asked for its sync; before the sync
// arrived, n4 was lost again (here: paused, as SIGSTOP, for less than the grace). n3 had
// dropped n4's reports at the first loss and never got them back, so nothing held the child n4
// ran: n3, its owner among the rest, started a second copy at once instead of after the grace
// — by which time n4, resumed, has lost quorum and stopped its own.
TEST(GlobalSupervisorSimulationTest, APeerLostBeforeItsSyncArrivedHoldsEveryChildForTheGrace) {
  const auto id = id_owned_by_n3_then_n4();
  std::vector<std::string> duplicates;
  std::size_t copies = 0;
  std::uint64_t seed = 1;
  while (seed <= 20 && !lose_a_peer_before_its_sync(seed, id, duplicates, copies)) ++seed;
  ASSERT_LE(seed, 20u) << "no world lost n4 before its sync reached n3";
  EXPECT_TRUE(duplicates.empty()) << "seed " << seed << ": " << duplicates.front();
  EXPECT_EQ(copies, 1u);
}

// Seeds 63, 146 and 296 (before the handshake retry was modelled): n1's connection to n4 was
// down while n4's to n1 was up, so n1 applied a sync of n4 that n4 was not up in its view;
// then n4 crashed and restarted. n1 saw only "n4 (creation 2) up" — no "down" in between to
// reset what it knew — and ignored every sync and report of the new incarnation as older than
// that sync: it never learnt what n4 ran (in seed 296 it started a second copy).
TEST(GlobalSupervisorSimulationTest, ARestartedPeerIsHeardAfterASyncOfItsOldIncarnationCameWhileItWasDownHere) {
  world w(1, {.nodes = 4});
  w.run_for(1s);
  cut(w, n1, n4, true);
  ASSERT_TRUE(step_until(w, 3s, [&] { return !w.at(n1).net->connected("n4") && !w.at(n4).net->connected("n1"); }));
  w.run_for(100ms);  // n1's server has handled the loss
  // Stand-in for the sync that came over n4's connection: n4's counter far along.
  auto server = w.at(n1).n->system().whereis("troupe.global_supervisor");
  ASSERT_TRUE(server.has_value());
  w.at(n1).n->system().deliver(*server, make_envelope<gs::sync>(pid{}, gs::sync{.from = "n4", .seq = 1'000'000}));
  w.run_for(10ms);
  cut(w, n1, n4, false);
  w.crash(n4);
  w.start(n4);
  w.run_for(3s);
  auto placement = uniform_placement();
  std::string id;
  for (int i = 0; id.empty(); ++i)
    if (auto c = "y-" + std::to_string(i); placement->owner({c}, std::vector<std::string>{"n1", "n2", "n3", "n4"}) == "n4")
      id = c;
  ASSERT_TRUE(w.at(n2).supervisor->start_child({.id = id, .type = "sim.child", .args = spawn_args(id)}).has_value());
  w.run_for(3s);
  ASSERT_EQ(where(w, n2, id), "n4");
  EXPECT_EQ(where(w, n1, id), "n4");
  EXPECT_TRUE(w.log().duplicates.empty());
}

/// What node `from` says runs, id → pid ("" for a child it knows no copy of).
std::map<std::string, std::string> running_pids(world& w, std::size_t from) {
  std::map<std::string, std::string> out;
  for (auto& c : w.at(from).supervisor->which_children()) out[c.id] = c.node.empty() ? "" : c.child.to_string();
  return out;
}

/// The kinds of node i's timeline events after `after`.
std::vector<std::string> kinds_since(world& w, std::size_t i, std::uint64_t after) {
  std::vector<std::string> out;
  for (auto& e : w.at(i).n->events().since(after)) out.push_back(e.kind);
  return out;
}

/// Issue 16: n1, n2, n3 run six children; n3 crashes (down, still counted: 2 of 3); then n4
/// joins through n1, so n2 hears of it by gossip before it reaches it. Returns what went wrong
/// ("" if nothing): a survivor losing quorum, a child stopping, restarting or moving.
std::string join_with_a_dead_member(std::uint64_t seed) {
  world w(seed, {.nodes = 4, .late = {n4}});
  w.run_for(2s);
  for (std::size_t k = 0; k < 6; ++k) {
    auto id = "j-" + std::to_string(k);
    if (!w.at(k % 3).supervisor->start_child({.id = id, .type = "sim.child", .args = spawn_args(id)}))
      return "start_child " + id + " failed";
  }
  w.run_for(3s);
  w.crash(n3);
  w.run_for(5s);  // n3 lost everywhere, the grace over, its children running again on n1 or n2
  const auto before = running_pids(w, n1);
  for (auto& [id, p] : before)
    if (p.empty()) return id + " runs nowhere before the join";
  if (running_pids(w, n2) != before) return "n1 and n2 disagree on what runs before the join";
  const std::uint64_t seen[2] = {w.at(n1).n->events().last_seq(), w.at(n2).n->events().last_seq()};

  w.start(n4);
  if (!step_until(w, 5s, [&] { return w.at(n2).net->connected("n4") && w.at(n1).net->connected("n4"); }))
    return "n4 never connected to n1 and n2";
  w.run_for(3s);  // every newcomer window over
  for (std::size_t i : {n1, n2}) {
    auto kinds = kinds_since(w, i, seen[i]);
    if (std::ranges::find(kinds, "quorum.lost") != kinds.end()) return w.at(i).name + " lost quorum";
    if (running_pids(w, i) != before) return w.at(i).name + ": a child stopped, restarted or moved";
  }
  if (!w.log().duplicates.empty()) return w.log().duplicates.front();
  return "";
}

// The worlds differ in how n2 first hears of n4: from n1's gossip, or by n4 dialling it (up
// before its sync); either way n2 counted 2 of 4 before the join rule.
TEST(GlobalSupervisorSimulationTest, ANodeJoiningAClusterWithADeadMemberStopsNoChild) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) EXPECT_EQ(join_with_a_dead_member(seed), "") << "seed " << seed;
}

}  // namespace
}  // namespace troupe::sim
