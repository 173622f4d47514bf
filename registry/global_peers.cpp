#include "troupe/registry/global_peers.hpp"

#include "troupe/transport/node_events.hpp"
#include "troupe/transport/peer.hpp"

namespace troupe {

namespace {
bool reachable(member_state s) { return s == member_state::up || s == member_state::suspect; }
}  // namespace

std::vector<std::string> global_peers::up() const {
  std::vector<std::string> out;
  std::lock_guard lock(mutex_);
  if (!net_) return out;
  if (members_)
    for (const auto& m : members_->members())
      if (!m.self && reachable(m.state)) out.push_back(m.name);
  for (const auto& p : net_->peers())
    if (p.up && (!members_ || transport::is_hidden_node(p.name))) out.push_back(p.name);
  return out;
}

void global_peers::monitor_nodes(const pid& p, bool on) {
  std::lock_guard lock(mutex_);
  if (!net_) return;
  if (!members_) return net_->monitor_nodes(p, on);
  subscriber_ = on ? p : pid{};
  if (!on || subscribed_) return;
  subscribed_ = true;
  // The handlers stay installed for the node's life; once this object is gone or detached they
  // do nothing. Installing them before reading the current state misses no change: a change
  // published after the read reaches a handler, one before it is in the read, and one seen twice
  // is no transition. (Both sources call their handlers outside their own locks.)
  members_->on_change([weak = weak_from_this()](const member& m) {
    if (auto self = weak.lock()) self->on_member(m);
  });
  net_->on_peer_event([weak = weak_from_this()](const transport::peer_event& ev) {
    if (auto self = weak.lock()) self->on_hidden_peer(ev);
  });
  for (const auto& m : members_->members())
    if (!m.self && reachable(m.state)) up_[m.name] = m.creation;
  for (const auto& peer : net_->peers())
    if (peer.up && transport::is_hidden_node(peer.name)) up_[peer.name] = peer.creation;
}

// Runs on the membership process's thread.
void global_peers::on_member(const member& m) {
  if (m.self) return;
  std::lock_guard lock(mutex_);
  transition(m.name, m.creation, reachable(m.state), to_string(m.state));
}

// Runs on the transport's thread.
void global_peers::on_hidden_peer(const transport::peer_event& ev) {
  if (!transport::is_hidden_node(ev.name)) return;  // members come from the view
  std::lock_guard lock(mutex_);
  transition(ev.name, ev.creation, ev.up, ev.reason);
}

void global_peers::transition(const std::string& node, std::uint32_t creation, bool up, const std::string& reason) {
  if (!net_) return;
  auto it = up_.find(node);
  if (up) {
    if (it != up_.end() && it->second == creation) return;
    if (it != up_.end()) notify(make_envelope<node_down>(pid{}, node_down{node, it->second, "restarted"}));
    up_[node] = creation;
    notify(make_envelope<node_up>(pid{}, node_up{node, creation}));
  } else if (it != up_.end()) {
    const auto was = it->second;
    up_.erase(it);
    notify(make_envelope<node_down>(pid{}, node_down{node, was, reason}));
  }
}

void global_peers::notify(envelope_ptr e) {
  if (subscriber_) system_->deliver_local(subscriber_, std::move(e));
}

void global_peers::detach() {
  std::lock_guard lock(mutex_);
  net_ = nullptr;
  subscriber_ = pid{};
}

}  // namespace troupe
