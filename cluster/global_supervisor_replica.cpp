#include "troupe/cluster/global_supervisor_replica.hpp"

#include <set>

namespace troupe::gs {

bool newer(const child_record& a, const child_record& b) noexcept {
  return a.version != b.version ? a.version > b.version : a.origin > b.origin;
}

bool spec_replica::merge(const child_record& r) {
  auto it = specs_.find(r.id);
  if (it != specs_.end() && !newer(r, it->second)) return false;
  specs_[r.id] = r;
  return true;
}

const child_record* spec_replica::find(const std::string& id) const {
  auto it = specs_.find(id);
  return it == specs_.end() ? nullptr : &it->second;
}

bool spec_replica::fresh(const std::string& from, std::uint64_t seq) {
  auto& last = last_seq_[from];
  if (seq <= last) return false;
  last = seq;
  return true;
}

void spec_replica::replace_reports(const std::string& from, const std::vector<child_report>& reports) {
  auto& theirs = reports_[from];
  theirs.clear();
  for (auto& r : reports) theirs[r.id] = r;
}

void spec_replica::apply_report(const std::string& from, const child_report& r) {
  if (r.running || r.failed) reports_[from][r.id] = r;
  else if (auto it = reports_.find(from); it != reports_.end()) it->second.erase(r.id);
}

std::vector<std::string> spec_replica::forget(const std::string& node) {
  last_seq_.erase(node);
  std::vector<std::string> running;
  if (auto it = reports_.find(node); it != reports_.end()) {
    for (auto& [id, r] : it->second)
      if (r.running) running.push_back(id);
    reports_.erase(it);
  }
  return running;
}

bool spec_replica::runs(const std::string& node, const std::string& id) const {
  auto it = reports_.find(node);
  if (it == reports_.end()) return false;
  auto r = it->second.find(id);
  return r != it->second.end() && r->second.running;
}

bool spec_replica::running_elsewhere(const std::string& id, const std::vector<std::string>& members,
                                     const std::string& me) const {
  for (auto& n : members)
    if (n != me && runs(n, id)) return true;
  return false;
}

child_report spec_replica::best_report(const std::string& id, const std::set<std::string>& nodes,
                                       std::string& where) const {
  child_report best{.id = id};
  for (auto& n : nodes)
    if (auto it = reports_.find(n); it != reports_.end())
      if (auto r = it->second.find(id); r != it->second.end() && (r->second.running || !best.running))
        best = r->second, where = n;
  return best;
}

}  // namespace troupe::gs
