#include "troupe/node/pid.hpp"

#include <charconv>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace troupe {
namespace {

// Names are never removed, so references handed out stay valid (std::deque never moves elements).
struct node_name_table {
  std::shared_mutex mutex;
  std::deque<std::string> names{std::string("nonode")};
  std::unordered_map<std::string_view, node_index> index{{"nonode", 0}};
};

node_name_table& table() {
  static node_name_table t;
  return t;
}

}  // namespace

node_index intern_node(std::string_view name) {
  auto& t = table();
  {
    std::shared_lock lock(t.mutex);
    if (auto it = t.index.find(name); it != t.index.end()) return it->second;
  }
  std::unique_lock lock(t.mutex);
  if (auto it = t.index.find(name); it != t.index.end()) return it->second;
  auto id = static_cast<node_index>(t.names.size());
  const std::string& stored = t.names.emplace_back(name);
  t.index.emplace(stored, id);
  return id;
}

const std::string& node_name(node_index index) {
  auto& t = table();
  std::shared_lock lock(t.mutex);
  return index < t.names.size() ? t.names[index] : t.names[0];
}

std::string pid::to_string() const {
  return "<" + node_name(node) + "." + std::to_string(creation) + "." + std::to_string(serial) + ">";
}

pid pid::parse(std::string_view text) {
  if (text.size() < 7 || text.front() != '<' || text.back() != '>') return {};
  text = text.substr(1, text.size() - 2);
  auto last = text.rfind('.');
  if (last == std::string_view::npos || last == 0) return {};
  auto mid = text.rfind('.', last - 1);
  if (mid == std::string_view::npos || mid == 0) return {};
  pid p;
  auto num = [](std::string_view s, auto& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
  };
  if (!num(text.substr(mid + 1, last - mid - 1), p.creation)) return {};
  if (!num(text.substr(last + 1), p.serial)) return {};
  p.node = intern_node(text.substr(0, mid));
  return p;
}

std::ostream& operator<<(std::ostream& os, const pid& p) { return os << p.to_string(); }

}  // namespace troupe
