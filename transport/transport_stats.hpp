#pragma once
/// @file
/// Counters of one node's transport. All monotonic. @threadsafe

#include <atomic>
#include <cstdint>

namespace troupe::transport {

struct transport_stats {
  std::atomic<std::uint64_t> messages_out{0};
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> bytes_in{0};
  /// ZeroMQ messages sent: messages_out / batches_out is the batching factor.
  std::atomic<std::uint64_t> batches_out{0};
  /// Sends refused because the peer's outbound queue was full.
  std::atomic<std::uint64_t> dropped_overload{0};
  /// Messages queued for a peer that was lost before they went out: still in the outbound queue,
  /// or taken from it but not yet accepted by ZeroMQ.
  std::atomic<std::uint64_t> dropped_on_loss{0};
  /// Messages handed to ZeroMQ for a peer that was then lost without confirming them (its last
  /// receipt, docs/PROTOCOL.md §11): in ZeroMQ's or the kernel's buffers, on the wire, or read by
  /// the peer after its last receipt. An upper bound on what the network lost with the peer; exact
  /// when the peer left (its BYE follows a final receipt). Counted only for peers that send
  /// receipts (nodes of this release on, from the moment their channel is up; not tools/pyclient).
  std::atomic<std::uint64_t> unconfirmed_at_loss{0};
  /// Plain-thread sends refused because the peer stayed busy (flow control,
  /// transport_config::busy_bytes) for `send_block_timeout`; also counted in dropped_overload.
  std::atomic<std::uint64_t> send_timeouts{0};
  /// Sends to a node that is not connected.
  std::atomic<std::uint64_t> unreachable{0};
  /// Frames that failed validation or decoding (the connection is dropped).
  std::atomic<std::uint64_t> malformed_frames{0};
  /// Messages of a type this node does not know.
  std::atomic<std::uint64_t> unknown_types{0};
  /// Frames that broke the protocol (e.g. a message before authentication).
  std::atomic<std::uint64_t> protocol_violations{0};
  /// Handshakes refused: wrong cookie, wrong version, duplicate or self connection.
  std::atomic<std::uint64_t> auth_failures{0};
  std::atomic<std::uint64_t> handshakes{0};
  /// Newcomers refused because a live member holds the name they claimed (one name, one node).
  std::atomic<std::uint64_t> duplicate_names{0};
  /// Members (not hidden nodes) lost for any reason: detector, disconnect, restart, leave.
  std::atomic<std::uint64_t> peers_lost{0};
  /// Hidden nodes (troupectl, clients) that went away: routine, not a loss (transport/peer.hpp).
  std::atomic<std::uint64_t> hidden_peers_gone{0};
  /// Peers the failure detector declared lost (phi or peer_timeout; not a BYE or a disconnect),
  /// and how long each had been silent by then, in ms: the detection time, measured from the
  /// last frame heard (docs/management.md).
  std::atomic<std::uint64_t> detections{0};
  std::atomic<std::uint64_t> detection_ms_sum{0};
  std::atomic<std::uint64_t> detection_ms_last{0};
  std::atomic<std::uint64_t> detection_ms_max{0};
  /// Members lost here because the members watching them reported them lost (LOST frames; this
  /// node's detector did not watch them), and the reports this node sent (docs/membership.md).
  std::atomic<std::uint64_t> losses_by_report{0};
  std::atomic<std::uint64_t> loss_reports_sent{0};
};

}  // namespace troupe::transport
