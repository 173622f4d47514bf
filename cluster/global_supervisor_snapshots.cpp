#include "troupe/cluster/global_supervisor_snapshots.hpp"

namespace troupe::gs {

void snapshot_store::save(const std::string& id, std::vector<char> state) {
  auto& snap = snapshots_[id];
  snap.version = shared_.clock.next();
  snap.state = std::move(state);
  snap.sent_to.clear();
  share(id, &snap.state);
}

bool snapshot_store::receive(const snapshot_put& s) {
  shared_.clock.observe(s.version);
  auto& snap = snapshots_[s.id];
  if (s.version <= snap.version) return false;
  snap.version = s.version;
  snap.state = s.state;
  snap.sent_to.clear();
  share(s.id, &snap.state);
  return true;
}

void snapshot_store::erase(const std::string& id) {
  if (snapshots_.erase(id)) share(id, nullptr);
}

const std::vector<char>* snapshot_store::state_of(const std::string& id) const {
  auto it = snapshots_.find(id);
  return it == snapshots_.end() ? nullptr : &it->second.state;
}

std::optional<snapshot_put> snapshot_store::for_successor(const std::string& id, const std::string& successor) {
  auto it = snapshots_.find(id);
  if (it == snapshots_.end() || it->second.sent_to == successor) return std::nullopt;
  it->second.sent_to = successor;
  return snapshot_put{id, it->second.version, it->second.state};
}

void snapshot_store::share(const std::string& id, const std::vector<char>* state) {
  std::lock_guard lock(shared_.mutex);
  if (state) shared_.snapshots[id] = *state;
  else shared_.snapshots.erase(id);
}

}  // namespace troupe::gs
