#include "troupe/node/error.hpp"

namespace troupe {

const char* to_string(errc e) noexcept {
  switch (e) {
    case errc::noproc: return "noproc";
    case errc::noconnection: return "noconnection";
    case errc::timeout: return "timeout";
    case errc::name_taken: return "name_taken";
    case errc::not_found: return "not_found";
    case errc::invalid_argument: return "invalid_argument";
    case errc::shutting_down: return "shutting_down";
    case errc::unauthorized: return "unauthorized";
    case errc::codec: return "codec";
    case errc::overloaded: return "overloaded";
    case errc::init_failed: return "init_failed";
    case errc::exited: return "exited";
    case errc::unknown_type: return "unknown_type";
    case errc::unhandled: return "unhandled";
  }
  return "unknown";
}

namespace {
class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "troupe"; }
  std::string message(int v) const override { return to_string(static_cast<errc>(v)); }
};
}  // namespace

const std::error_category& troupe_category() noexcept {
  static const category instance;
  return instance;
}

std::string error::message() const {
  std::string out = to_string(code_);
  if (!context_.empty()) out += ": " + context_;
  if (cause_) out += ": caused by " + cause_->message();
  return out;
}

}  // namespace troupe
