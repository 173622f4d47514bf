#pragma once
/// @file
/// The demand protocol between stages (GenStage's). Every message is a plain wire message, so a
/// consumer may subscribe to a producer on another node.
///
/// ```
/// consumer ── stage_subscribe{ref, partition} ──► producer     (consumer monitors producer,
/// consumer ── stage_ask{ref, n} ────────────────► producer      producer monitors consumer)
/// consumer ◄── stage_events<T>{ref, events} ───── producer     (never more than asked for)
/// either   ── stage_cancel{ref} ────────────────► other
/// ```
/// A subscription is named by the consumer's pid and the ref it chose. Events of type `T` travel
/// in `stage_events<T>`, which must be declared once per `T` with `TROUPE_STAGE_EVENTS(T, name)`
/// (done here for std::int64_t, std::uint64_t and std::string).

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/node/message_type.hpp"
#include "troupe/node/msgpack_adaptors.hpp"
#include "troupe/node/pid.hpp"

namespace troupe {

/// How a consumer subscribes (GenStage subscription options).
struct subscription_options {
  /// The most events in flight to this consumer: asked for but not yet handled.
  std::uint64_t max_demand = 1000;
  /// Ask again once in-flight demand falls to this; 0 means 75% of max_demand (GenStage's).
  std::uint64_t min_demand = 0;
  /// The partition to receive, for a producer with the partition dispatcher.
  std::uint32_t partition = 0;
  /// Manual demand: the consumer calls `ask` itself (GenStage's `:manual` mode).
  bool manual = false;
  MSGPACK_DEFINE(max_demand, min_demand, partition, manual);
};

struct stage_subscribe {
  std::uint64_t ref = 0;
  std::uint32_t partition = 0;
  MSGPACK_DEFINE(ref, partition);
};
struct stage_ask {
  std::uint64_t ref = 0;
  std::uint64_t count = 0;
  MSGPACK_DEFINE(ref, count);
};
struct stage_cancel {
  std::uint64_t ref = 0;
  MSGPACK_DEFINE(ref);
};
template <class T>
struct stage_events {
  std::uint64_t ref = 0;
  std::vector<T> events;
  MSGPACK_DEFINE(ref, events);
};
/// Tells a consumer (or producer_consumer) to subscribe to `producer` (GenStage.async_subscribe).
struct stage_subscribe_to {
  pid producer;
  subscription_options options;
  MSGPACK_DEFINE(producer, options);
};

}  // namespace troupe

TROUPE_MESSAGE(troupe::stage_subscribe, "troupe.stage.subscribe");
TROUPE_MESSAGE(troupe::stage_ask, "troupe.stage.ask");
TROUPE_MESSAGE(troupe::stage_cancel, "troupe.stage.cancel");
TROUPE_MESSAGE(troupe::stage_subscribe_to, "troupe.stage.subscribe_to");

/// Declares the events message of event type T (at global scope, once per program).
#define TROUPE_STAGE_EVENTS(T, NAME) TROUPE_MESSAGE(troupe::stage_events<T>, NAME)

TROUPE_STAGE_EVENTS(std::int64_t, "troupe.stage.events.i64");
TROUPE_STAGE_EVENTS(std::uint64_t, "troupe.stage.events.u64");
TROUPE_STAGE_EVENTS(std::string, "troupe.stage.events.string");
