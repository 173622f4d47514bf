#include "troupe/node/exit_reason.hpp"
#include "troupe/node/msgpack_adaptors.hpp"

namespace troupe {

const char* to_string(exit_reason::kind k) noexcept {
  using enum exit_reason::kind;
  switch (k) {
    case normal: return "normal";
    case shutdown: return "shutdown";
    case kill: return "kill";
    case killed: return "killed";
    case noproc: return "noproc";
    case noconnection: return "noconnection";
    case error: return "error";
  }
  return "unknown";
}

std::string exit_reason::to_string() const {
  std::string out = troupe::to_string(kind_);
  if (!detail_.empty()) out += ": " + detail_;
  return out;
}

std::ostream& operator<<(std::ostream& os, const exit_reason& r) { return os << r.to_string(); }

}  // namespace troupe

namespace troupe {
exit_reason::kind parse_exit_kind(std::string_view text) noexcept {
  using enum exit_reason::kind;
  for (auto k : {normal, shutdown, kill, killed, noproc, noconnection, error})
    if (text == to_string(k)) return k;
  return error;
}
}  // namespace troupe
