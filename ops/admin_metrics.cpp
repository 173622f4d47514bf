#include "troupe/ops/admin_metrics.hpp"

#include <algorithm>
#include <set>

#include "troupe/ops/admin_reply_json.hpp"
#include "troupe/cluster/global_supervisor.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/version.hpp"

namespace troupe {
namespace {

class metric_list {
 public:
  void counter(std::string name, std::string help, double v) { add(std::move(name), "counter", std::move(help), v); }
  void gauge(std::string name, std::string help, double v, std::map<std::string, std::string> labels = {}) {
    add(std::move(name), "gauge", std::move(help), v, std::move(labels));
  }
  admin_metrics_reply take() { return std::move(reply_); }

 private:
  void add(std::string name, std::string type, std::string help, double v,
           std::map<std::string, std::string> labels = {}) {
    reply_.metrics.push_back({std::move(name), std::move(type), std::move(help), std::move(labels), v});
  }
  admin_metrics_reply reply_;
};

double get(const std::atomic<std::uint64_t>& c) { return static_cast<double>(c.load(std::memory_order_relaxed)); }
/// A counter of milliseconds, in seconds (Prometheus' base unit).
double seconds(const std::atomic<std::uint64_t>& ms) { return get(ms) / 1000.0; }

/// Flow control per peer (transport_config::busy_bytes): what waits to go, and who waits for it.
void add_flow(metric_list& out, const transport::transport& t) {
  out.gauge("troupe_send_busy_bytes", "Bytes queued to a peer past which it is busy and its senders are suspended.",
            static_cast<double>(t.config().busy_bytes));
  out.counter("troupe_send_timeouts_total",
              "Plain-thread sends refused because their peer stayed busy for the send timeout.",
              get(t.stats().send_timeouts));
  std::uint64_t suspensions = 0;
  for (auto& p : t.peers()) {
    suspensions += p.suspensions;
    if (transport::is_hidden_node(p.name)) continue;  // clients (troupectl) come and go: no series of their own
    std::map<std::string, std::string> peer{{"peer", p.name}};
    out.gauge("troupe_peer_queued_messages", "Messages waiting to go to the peer.", static_cast<double>(p.queued_messages),
              peer);
    out.gauge("troupe_peer_queued_bytes", "Bytes waiting to go to the peer.", static_cast<double>(p.queued_bytes), peer);
    out.gauge("troupe_peer_suspended_senders", "Processes suspended and threads blocked on the peer's busy queue now.",
              static_cast<double>(p.suspended_senders), peer);
  }
  out.counter("troupe_send_suspensions_total",
              "Sends that found their peer busy: processes suspended plus threads that waited.",
              static_cast<double>(suspensions));
}

void add_transport(metric_list& out, const transport::transport_stats& s) {
  out.counter("troupe_messages_out_total", "Messages sent to other nodes.", get(s.messages_out));
  out.counter("troupe_messages_in_total", "Messages received from other nodes.", get(s.messages_in));
  out.counter("troupe_bytes_out_total", "Bytes of messages sent to other nodes.", get(s.bytes_out));
  out.counter("troupe_bytes_in_total", "Bytes of messages received from other nodes.", get(s.bytes_in));
  out.counter("troupe_batches_out_total", "ZeroMQ messages sent; messages_out / batches_out is the batching factor.",
              get(s.batches_out));
  out.counter("troupe_dropped_overload_total", "Sends refused because the peer's outbound queue was full.",
              get(s.dropped_overload));
  out.counter("troupe_dropped_on_loss_total",
              "Messages queued for a peer that was lost before they went out (never handed to ZeroMQ).",
              get(s.dropped_on_loss));
  out.counter("troupe_unconfirmed_at_loss_total",
              "Messages handed to ZeroMQ for a peer that was lost before confirming them (an upper bound on what the "
              "network lost with it).",
              get(s.unconfirmed_at_loss));
  out.counter("troupe_unreachable_total", "Sends to a node that was not connected.", get(s.unreachable));
  out.counter("troupe_malformed_frames_total", "Frames that failed validation or decoding.", get(s.malformed_frames));
  out.counter("troupe_unknown_types_total", "Messages of a type this node does not know.", get(s.unknown_types));
  out.counter("troupe_protocol_violations_total", "Frames that broke the protocol.", get(s.protocol_violations));
  out.counter("troupe_auth_failures_total", "Handshakes refused (cookie, version, duplicate).", get(s.auth_failures));
  out.counter("troupe_handshakes_total", "Handshakes completed.", get(s.handshakes));
  out.counter("troupe_duplicate_names_refused_total",
              "Nodes refused because a live member already holds the name they claimed.", get(s.duplicate_names));
  out.counter("troupe_peers_lost_total", "Members lost for any reason (failure detector, disconnect, restart, leave).",
              get(s.peers_lost));
  out.counter("troupe_hidden_peers_gone_total", "Hidden nodes (troupectl, clients) that went away: routine, not losses.",
              get(s.hidden_peers_gone));
  out.counter("troupe_losses_by_report_total", "Members lost because the members watching them reported them lost.",
              get(s.losses_by_report));
  out.counter("troupe_loss_reports_sent_total", "Loss reports this node's detector sent to the other members.",
              get(s.loss_reports_sent));
  out.counter("troupe_failure_detections_total", "Peers the failure detector declared lost.", get(s.detections));
  out.counter("troupe_failure_detection_seconds_total",
              "Sum over detections of the peer's silence when declared lost, in seconds.", seconds(s.detection_ms_sum));
  out.gauge("troupe_failure_detection_last_seconds", "Silence of the last peer declared lost when it was declared.",
            seconds(s.detection_ms_last));
  out.gauge("troupe_failure_detection_max_seconds", "Longest silence of a peer declared lost.", seconds(s.detection_ms_max));
}

void add_runtime(metric_list& out, actor_system& sys) {
  auto& c = sys.counters();
  out.counter("troupe_dead_letters_total", "Messages to a process that does not exist or cannot be reached.",
              get(c.dead_letters));
  out.counter("troupe_unhandled_messages_total", "Messages a process received but had no handler for.", get(c.unhandled));
  out.counter("troupe_dropped_on_exit_total", "Messages still queued when their receiver exited.", get(c.dropped_on_exit));
  out.counter("troupe_processes_spawned_total", "Processes spawned.", get(c.spawned));
  out.counter("troupe_processes_exited_total", "Processes exited.", get(c.exited));
  std::uint64_t count = 0, longest = 0, high_water = 0;  // whole numbers
  for (auto& p : sys.processes()) {
    auto i = sys.info(p);
    if (!i) continue;
    ++count;
    longest = std::max(longest, i->mailbox_length);
    high_water = std::max(high_water, i->mailbox_high_water);
  }
  out.gauge("troupe_processes", "Live processes.", static_cast<double>(count));
  out.gauge("troupe_mailbox_length_max", "The longest mailbox of a live process now.", static_cast<double>(longest));
  out.gauge("troupe_mailbox_high_water_max", "The largest mailbox high-water mark of a live process.",
            static_cast<double>(high_water));
}

void add_members(metric_list& out, membership_view& view) {
  std::map<std::string, std::uint64_t> by_state;
  for (auto s : {member_state::joining, member_state::up, member_state::suspect, member_state::down, member_state::left})
    by_state[to_string(s)] = 0;
  for (auto& m : view.members()) ++by_state[to_string(m.state)];
  for (auto& [state, n] : by_state)
    out.gauge("troupe_members", "Members as this node sees them, by state (itself included).", static_cast<double>(n),
              {{"state", state}});
}

void add_children(metric_list& out, const global_supervisor& gs) {
  auto children = gs.which_children();
  auto placed = std::count_if(children.begin(), children.end(), [](auto& c) { return !c.node.empty(); });
  out.gauge("troupe_global_children", "Global children (live specs) this node knows.", static_cast<double>(children.size()));
  out.gauge("troupe_global_children_running", "Global children running somewhere this node can see.",
            static_cast<double>(placed));
  out.gauge("troupe_global_children_here", "Global children running on this node.",
            static_cast<double>(gs.local_children().size()));
  out.counter("troupe_global_failovers_total", "Global children this node started because their node was lost.",
              static_cast<double>(gs.failovers()));
}

}  // namespace

admin_metrics_reply collect_metrics(cluster_node& n, const global_supervisor* supervisor) {
  metric_list out;
  // Prometheus' info pattern: the value is always 1, the facts are the labels.
  out.gauge("troupe_build_info", "The Troupe version this node runs (always 1).", 1,
            {{"version", std::string(version())}});
  // Only the ZeroMQ transport keeps these counters (a simulated network has none).
  if (auto* zmq = dynamic_cast<transport::transport*>(&n.network())) {
    add_transport(out, zmq->stats());
    add_flow(out, *zmq);
  }
  add_runtime(out, n.system());
  add_members(out, n.membership());
  if (supervisor) add_children(out, *supervisor);
  return out.take();
}

std::string prometheus_text(const admin_metrics_reply& r) {
  std::string out;
  std::set<std::string> described;
  for (auto& m : r.metrics) {
    if (described.insert(m.name).second) {
      out += "# HELP " + m.name + " " + m.help + "\n";
      out += "# TYPE " + m.name + " " + m.type + "\n";
    }
    out += metric_id(m) + " " + metric_value_text(m.value) + "\n";
  }
  return out;
}

}  // namespace troupe
