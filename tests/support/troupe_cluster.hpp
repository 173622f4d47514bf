#pragma once
/// @file
/// `troupe_cluster`: N real troupe-node processes on free 127.0.0.1 ports, driven through their
/// admin processes with troupectl's client library (tools/troupectl/admin_client.hpp), for the
/// global supervisor's multi-process tests and benchmarks.
///
/// Every process is a `child_process`, so it dies with the cluster object — and with the test
/// process, even when that aborts. A member is *live* until this object kills or pauses it; the
/// queries below only ask live members (a paused node would make every call wait its timeout).
///
/// Single-threaded: the admin client is one scoped actor, so use a cluster from one thread.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "troupe/ops/admin_messages.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/eventually.hpp"
#include "tools/troupe_node/builtin_actors.hpp"
#include "tools/troupectl/admin_client.hpp"

namespace troupe::test {

struct troupe_cluster_options {
  /// The troupe-node executable.
  std::string binary;
  std::size_t nodes = 3;
  /// troupe-node --profile: "default" or "aggressive".
  std::string profile = "aggressive";
  std::string cookie = "troupe-cluster";
  /// Appended to every node's command line (e.g. {"--drain-timeout-ms", "5000"}).
  std::vector<std::string> extra_args;
  /// For the nodes to print their ready lines, and then to see each other all up.
  std::chrono::milliseconds start_timeout{20000};
  /// Each admin call waits this long at most.
  std::chrono::milliseconds call_timeout{3000};
  /// Where the admin client listens; the nodes must be able to reach it there.
  std::string client_listen = "tcp://127.0.0.1:*";
};

/// Where each child runs according to the node that runs it: id → pid text.
using own_children_map = std::map<std::string, std::string>;

class troupe_cluster {
 public:
  struct member {
    std::string name;
    std::string address;
    std::unique_ptr<child_process> process;
    ctl::target admin;
    bool live = true;    ///< neither killed, paused nor exited, as far as this object did
    bool paused = false;
  };

  explicit troupe_cluster(troupe_cluster_options options)
      : options_(std::move(options)),
        client_(ctl::client_options{.cookie = options_.cookie, .listen = options_.client_listen,
                                    .timeout = options_.call_timeout}) {}

  /// Starts the nodes (each seeded with the first) and waits until every node sees every other
  /// one up. The error says which step failed.
  result<void> start() {
    if (auto r = client_.start(); !r) return r;
    static std::atomic<int> clusters{0};
    prefix_ = "g" + std::to_string(::getpid()) + "c" + std::to_string(clusters++) + "n";
    for (std::size_t i = 0; i < options_.nodes; ++i) {
      members_.push_back(member{.name = prefix_ + std::to_string(i)});
      if (auto r = launch(i); !r) return r;
      if (i == 0 && !read_ready(0)) return fail(errc::timeout, "node 0 did not print its ready line");
    }
    for (std::size_t i = 1; i < members_.size(); ++i)
      if (!read_ready(i)) return fail(errc::timeout, "node " + std::to_string(i) + " did not print its ready line");
    return connect_all();
  }

  /// Starts one more node, seeded with the first live member, and waits until every live
  /// member sees it up. Returns its index.
  result<std::size_t> add_node() {
    const std::size_t i = members_.size();
    members_.push_back(member{.name = prefix_ + std::to_string(i)});
    if (auto r = launch(i); !r) return std::unexpected(r.error());
    if (!read_ready(i)) return fail(errc::timeout, "node " + std::to_string(i) + " did not print its ready line");
    auto t = client_.connect(members_[i].address);
    if (!t) return std::unexpected(t.error());
    members_[i].admin = *t;
    const bool seen = eventually(
        [&] {
          for (auto j : live()) {
            auto up = up_members(j);
            if (!up || !up->contains(members_[i].name)) return false;
          }
          return true;
        },
        options_.start_timeout);
    if (!seen) return fail(errc::timeout, "not every live member saw node " + std::to_string(i) + " up");
    return i;
  }

  /// Drives nodes someone else started (name, address), e.g. netlab's; signals are not
  /// available for them. Waits until every node sees every other one up.
  result<void> attach(const std::vector<std::pair<std::string, std::string>>& nodes) {
    if (auto r = client_.start(); !r) return r;
    for (auto& [name, address] : nodes) members_.push_back(member{.name = name, .address = address});
    return connect_all();
  }

  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  [[nodiscard]] member& at(std::size_t i) { return members_.at(i); }
  [[nodiscard]] const std::string& name(std::size_t i) const { return members_.at(i).name; }
  [[nodiscard]] std::optional<std::size_t> index_of(const std::string& node_name) const {
    for (std::size_t i = 0; i < members_.size(); ++i)
      if (members_[i].name == node_name) return i;
    return std::nullopt;
  }
  [[nodiscard]] std::vector<std::size_t> live() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < members_.size(); ++i)
      if (members_[i].live) out.push_back(i);
    return out;
  }

  // --- signals -------------------------------------------------------------------------------

  /// Signals need a member this object started (not an attached one).
  void kill(std::size_t i) {
    members_[i].process->signal(SIGKILL);
    members_[i].live = false;
    members_[i].process->wait_exit(std::chrono::seconds(5));
  }
  void pause(std::size_t i) {
    members_[i].process->signal(SIGSTOP);
    members_[i].live = false;
    members_[i].paused = true;
  }
  void resume(std::size_t i) {
    members_[i].process->signal(SIGCONT);
    members_[i].live = true;
    members_[i].paused = false;
  }
  /// SIGTERM: troupe-node drains, prints "... drained", then stops. Not live from now on.
  void terminate(std::size_t i) {
    members_[i].process->signal(SIGTERM);
    members_[i].live = false;
  }
  /// Marks a member not live (it drains and exits on its own, e.g. after admin_drain).
  void forget(std::size_t i) { members_[i].live = false; }

  // --- admin calls -----------------------------------------------------------------------------

  template <message Resp, message Req>
  result<Resp> ask(std::size_t i, Req req) {
    return client_.call<Resp>(members_[i].admin, std::move(req));
  }

  /// The children node i knows of, with where each runs.
  result<std::vector<admin_child>> children(std::size_t i) {
    auto r = ask<admin_children_reply>(i, admin_children{});
    if (!r) return std::unexpected(r.error());
    if (!r->available) return fail(errc::not_found, name(i) + " runs no global supervisor");
    return std::move(r->children);
  }

  /// The children node i says it runs itself (it alone is the authority on those): id → pid.
  result<own_children_map> own_children(std::size_t i) {
    auto all = children(i);
    if (!all) return std::unexpected(all.error());
    own_children_map out;
    for (auto& c : *all)
      if (c.node == name(i)) out[c.id] = c.child.to_string();
    return out;
  }

  result<void> start_child(std::size_t i, admin_start_child spec) {
    auto r = ask<admin_done>(i, std::move(spec));
    if (!r) return std::unexpected(r.error());
    if (!r->ok) return fail(errc::invalid_argument, r->error);
    return {};
  }

  /// A global `counter` child named after its id, starting from 0.
  result<void> start_counter(std::size_t i, const std::string& id) {
    return start_child(i, admin_start_child{.id = id, .type = "counter", .args = pack(std::int64_t{0}), .name = id});
  }

  /// Calls the process registered as `target` through node i's admin.
  result<admin_call_reply> call(std::size_t i, const std::string& target, const std::string& type, packed_value body,
                                std::uint32_t timeout_ms = 1000) {
    return client_.call<admin_call_reply>(members_[i].admin, admin_call{target, type, std::move(body), timeout_ms},
                                          std::chrono::milliseconds(timeout_ms));
  }

  /// The value of the counter registered as `name`, asked through node i; nullopt if the call fails.
  std::optional<std::int64_t> counter_get(std::size_t i, const std::string& name, std::uint32_t timeout_ms = 1000) {
    return counter_answer(call(i, name, "troupe.counter.get", pack(builtin::counter_get{}), timeout_ms));
  }
  std::optional<std::int64_t> counter_inc(std::size_t i, const std::string& name, std::int64_t by) {
    return counter_answer(call(i, name, "troupe.counter.inc", pack(builtin::counter_inc{by})));
  }

  /// Members node i sees up (itself included).
  result<std::set<std::string>> up_members(std::size_t i) {
    auto r = ask<admin_members_reply>(i, admin_members{});
    if (!r) return std::unexpected(r.error());
    std::set<std::string> out;
    for (auto& m : r->members)
      if (m.state == "up") out.insert(m.name);
    return out;
  }

  // --- whole-cluster checks ------------------------------------------------------------------------

  /// Ids that two live nodes run at the same moment, as far as one sampling round can prove:
  /// every live node is asked what it runs, twice in the same order. A child that nodes A and
  /// B (A asked first) both ran in round one, and that A still runs under the same pid in round
  /// two, ran on A all the while B said it ran it: two copies at once. A child that merely moved
  /// from A to B between the questions is not counted (A's copy is gone, or is another pid).
  std::set<std::string> duplicates() {
    auto nodes = live();
    std::vector<own_children_map> first, second;
    for (auto i : nodes) first.push_back(own_children(i).value_or(own_children_map{}));
    for (auto i : nodes) second.push_back(own_children(i).value_or(own_children_map{}));
    std::set<std::string> out;
    for (std::size_t a = 0; a < nodes.size(); ++a)
      for (std::size_t b = a + 1; b < nodes.size(); ++b)
        for (auto& [id, pid_text] : first[a])
          if (first[b].contains(id) && second[a].contains(id) && second[a].at(id) == pid_text) out.insert(id);
    return out;
  }

  /// Whether every live node agrees that each of `ids` runs on one live node, that node says
  /// so itself, and no other live node runs it. On success `where` (if given) maps id → node.
  bool settled(const std::vector<std::string>& ids, std::map<std::string, std::string>* where = nullptr) {
    return settled_among(live(), ids, where);
  }

  /// The same among `nodes` only (e.g. the majority side of a partition).
  bool settled_among(const std::vector<std::size_t>& nodes, const std::vector<std::string>& ids,
                     std::map<std::string, std::string>* where = nullptr) {
    std::set<std::string> names;
    for (auto i : nodes) names.insert(name(i));
    std::map<std::string, std::string> agreed;
    std::map<std::string, int> copies;
    for (auto i : nodes) {
      auto all = children(i);
      if (!all) return false;
      std::map<std::string, std::string> seen;
      for (auto& c : *all) {
        seen[c.id] = c.node;
        if (c.node == name(i)) ++copies[c.id];
      }
      for (auto& id : ids) {
        auto it = seen.find(id);
        if (it == seen.end() || !names.contains(it->second)) return false;
        if (auto [a, fresh] = agreed.emplace(id, it->second); !fresh && a->second != it->second) return false;
      }
    }
    for (auto& id : ids)
      if (copies[id] != 1) return false;
    if (where) *where = std::move(agreed);
    return true;
  }

  /// Polls `pred` until it holds or `timeout` passes (polling inside a deadline, not a sleep
  /// in place of synchronisation: the processes are outside this one).
  template <class P>
  static bool eventually(P pred, std::chrono::milliseconds timeout, std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
    return test::eventually(std::move(pred), timeout, every);
  }

  template <class T>
  static packed_value pack(const T& value) {
    msgpack::sbuffer b;
    msgpack::pack(b, value);
    return packed_value{{b.data(), b.data() + b.size()}};
  }

 private:
  result<void> launch(std::size_t i) {
    auto& m = members_[i];
    std::vector<std::string> argv{options_.binary, "--name", m.name, "--listen", "tcp://127.0.0.1:*", "--cookie",
                                  options_.cookie, "--profile", options_.profile, "--log-level", "warn"};
    for (std::size_t j = 0; j < i; ++j)  // the first live member is the seed
      if (members_[j].live) {
        argv.insert(argv.end(), {"--seeds", members_[j].address});
        break;
      }
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    m.process = std::make_unique<child_process>(std::move(argv));
    if (m.process->pid() <= 0) return fail(errc::invalid_argument, "cannot start " + options_.binary);
    return {};
  }

  /// Reads "troupe-node NAME ready on ADDR creation N" and keeps ADDR.
  bool read_ready(std::size_t i) {
    auto line = members_[i].process->read_line(options_.start_timeout);
    if (!line) return false;
    auto at = line->find(" ready on ");
    if (at == std::string::npos) return false;
    auto addr = line->substr(at + 10);
    members_[i].address = addr.substr(0, addr.find(' '));
    return true;
  }

  result<void> connect_all() {
    for (auto& m : members_) {
      auto t = client_.connect(m.address);
      if (!t) return std::unexpected(t.error());
      m.admin = *t;
    }
    if (!eventually([&] { return all_see_each_other(); }, options_.start_timeout))
      return fail(errc::timeout, "the nodes did not all see each other up");
    return {};
  }

  bool all_see_each_other() {
    for (std::size_t i = 0; i < members_.size(); ++i) {
      auto up = up_members(i);
      if (!up || up->size() != members_.size()) return false;
    }
    return true;
  }

  static std::optional<std::int64_t> counter_answer(const result<admin_call_reply>& r) {
    if (!r || !r->ok || r->type != "troupe.counter.value" || r->body.bytes.empty()) return std::nullopt;
    try {
      auto h = msgpack::unpack(r->body.bytes.data(), r->body.bytes.size());
      return h.get().as<builtin::counter_value>().n;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  troupe_cluster_options options_;
  ctl::admin_client client_;
  std::string prefix_;  ///< of the node names: unique per process and cluster
  std::vector<member> members_;
};

}  // namespace troupe::test
