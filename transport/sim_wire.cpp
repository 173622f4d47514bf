#include "troupe/transport/sim_wire.hpp"

namespace troupe::transport {

std::size_t sim_wire::slot_of(const std::string& address) {
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].address == address) return i;
  slots_.push_back(slot{address});
  return slots_.size() - 1;
}

void sim_wire::attach(std::size_t s, sim_endpoint* ep) {
  slots_.at(s).endpoint = ep;
  if (ep) return;
  slots_[s].paused = false;
  // A crashed node's kernel refuses what was on its way to it.
  for (auto& [link, q] : links_)
    if (link.second == s) {
      stats_.lost_to_crash += q.size();
      q.clear();
    }
}

void sim_wire::set_paused(std::size_t s, bool paused) { slots_.at(s).paused = paused; }

void sim_wire::send(sim_packet p) {
  ++stats_.sent;
  if (p.to >= slots_.size()) return void(++stats_.lost_to_crash);
  // Nobody listening there yet is no loss: as a ZeroMQ socket, the sender keeps the packet and
  // delivers it once a node (perhaps a new incarnation) listens at that address again.
  auto f = faults_.find({p.from, p.to});
  const sim_link_faults none;
  const sim_link_faults& lf = f == faults_.end() ? none : f->second;
  if (lf.cut || (lf.drop > 0 && random_.chance(lf.drop))) {
    ++stats_.dropped;
    return;
  }
  auto latency = latency_min_ + duration(random_.below(static_cast<std::uint64_t>((latency_max_ - latency_min_).count()) + 1));
  if (lf.delay > duration{0}) latency += duration(random_.below(static_cast<std::uint64_t>(lf.delay.count()) + 1));
  auto& q = links_[{p.from, p.to}];
  // One ordered stream per direction, as TCP: a slow packet holds back those behind it.
  p.due = time_.now() + latency;
  if (!q.empty() && q.back().due > p.due) p.due = q.back().due;
  const bool twice = lf.duplicate > 0 && random_.chance(lf.duplicate);
  if (twice) {
    ++stats_.duplicated;
    q.push_back(p);
  }
  q.push_back(std::move(p));
}

void sim_wire::ready_links(std::vector<std::pair<std::size_t, std::size_t>>& out) const {
  auto now = time_.now();
  for (auto& [link, q] : links_) {
    if (q.empty() || q.front().due > now) continue;
    const slot& to = slots_[link.second];
    if (to.endpoint && !to.paused) out.push_back(link);
  }
}

void sim_wire::deliver_head(std::size_t from, std::size_t to) {
  auto& q = links_.at({from, to});
  sim_packet p = std::move(q.front());
  q.pop_front();
  ++stats_.delivered;
  mix(static_cast<std::uint64_t>(time_.now().time_since_epoch().count()));
  mix(from * 1000003 + to);
  mix(p.session * 2 + (p.to_server ? 1 : 0));
  mix(p.seq);
  for (unsigned char c : p.bytes) mix(c);
  if (auto* ep = slots_[to].endpoint) ep->receive(p);
}

std::optional<time_point> sim_wire::next_due() const {
  std::optional<time_point> out;
  for (auto& [link, q] : links_)
    if (!q.empty() && (!out || q.front().due < *out)) out = q.front().due;
  return out;
}

void sim_wire::mix(std::uint64_t v) noexcept {
  hash_ ^= v;
  hash_ *= 0x100000001b3ULL;
}

}  // namespace troupe::transport
