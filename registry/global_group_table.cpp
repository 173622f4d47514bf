#include "troupe/registry/global_group_table.hpp"

#include <algorithm>

namespace troupe {

std::vector<pid> global_group_table::members(std::string_view group) const {
  return groups_.find(group).value_or(std::vector<pid>{});
}

std::vector<pid> global_group_table::local_members(std::string_view group) const {
  auto all = members(group);
  std::erase_if(all, [this](const pid& p) { return !system_.is_local(p); });
  return all;
}

std::vector<std::string> global_group_table::groups() const {
  std::vector<std::string> out;
  groups_.for_each([&](const std::string& g, const std::vector<pid>&) { out.push_back(g); });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<global_group> global_group_table::local_groups() const {
  std::vector<global_group> out;
  groups_.for_each([&](const std::string& g, const std::vector<pid>& members) {
    global_group mine{g, {}};
    for (const auto& p : members)
      if (system_.is_local(p)) mine.members.push_back(p);
    if (!mine.members.empty()) out.push_back(std::move(mine));
  });
  return out;
}

bool global_group_table::join_local(const std::string& group, const pid& p) {
  map::batch b(groups_);
  const auto* cur = b.find(group);
  if (cur && std::find(cur->begin(), cur->end(), p) != cur->end()) return false;
  b.at(group).push_back(p);
  tell_server(group, p, true);
  return true;
}

bool global_group_table::leave_local(const std::string& group, const pid& p) {
  map::batch b(groups_);
  const auto* cur = b.find(group);
  if (!cur || std::find(cur->begin(), cur->end(), p) == cur->end()) return false;
  auto& members = b.at(group);
  std::erase(members, p);
  if (members.empty()) b.erase(group);
  tell_server(group, p, false);
  return true;
}

bool global_group_table::contains(const std::string& group, const pid& p) {
  map::batch b(groups_);
  const auto* cur = b.find(group);
  return cur && std::find(cur->begin(), cur->end(), p) != cur->end();
}

void global_group_table::tell_server(const std::string& group, const pid& p, bool joined) {
  system_.send(server_, detail::global_group_watch{group, p, joined});
}

void global_group_table::add_to(map::batch& b, const global_group& g) {
  if (g.members.empty()) return;
  auto& members = b.at(g.group);
  for (const auto& p : g.members)
    if (std::find(members.begin(), members.end(), p) == members.end()) members.push_back(p);
}

void global_group_table::add(const global_group& g) {
  map::batch b(groups_);
  add_to(b, g);
}

void global_group_table::remove(const global_group& g) {
  map::batch b(groups_);
  if (!b.find(g.group)) return;
  auto& members = b.at(g.group);
  for (const auto& p : g.members) std::erase(members, p);
  if (members.empty()) b.erase(g.group);
}

void global_group_table::strip(map::batch& b, const std::function<bool(const pid&)>& drop) {
  std::vector<std::string> touched;
  b.for_each([&](const std::string& g, const std::vector<pid>& members) {
    if (std::any_of(members.begin(), members.end(), drop)) touched.push_back(g);
  });
  for (const auto& g : touched) {
    auto& members = b.at(g);
    std::erase_if(members, drop);
    if (members.empty()) b.erase(g);
  }
}

void global_group_table::replace_owner(node_index owner, const std::vector<global_group>& incoming) {
  map::batch b(groups_);
  strip(b, [owner](const pid& p) { return p.node == owner; });
  for (const auto& g : incoming) add_to(b, g);
}

void global_group_table::drop_node(node_index owner, std::uint32_t creation) {
  map::batch b(groups_);
  strip(b, [=](const pid& p) { return p.node == owner && p.creation == creation; });
}

void global_group_table::drop_stale(node_index owner, std::uint32_t creation) {
  map::batch b(groups_);
  strip(b, [=](const pid& p) { return p.node == owner && p.creation != creation; });
}

}  // namespace troupe
