#include "troupe/node/behaviour/gen_statem_event.hpp"

namespace troupe {

const char* to_string(statem_event_type t) noexcept {
  switch (t) {
    case statem_event_type::call: return "call";
    case statem_event_type::cast: return "cast";
    case statem_event_type::info: return "info";
    case statem_event_type::state_timeout: return "state_timeout";
    case statem_event_type::event_timeout: return "event_timeout";
    case statem_event_type::named_timeout: return "named_timeout";
    case statem_event_type::internal: return "internal";
  }
  return "unknown";
}

}  // namespace troupe
