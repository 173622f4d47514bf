#include "troupe/transport/remote_watches.hpp"

#include "troupe/node/actor_system.hpp"
#include "troupe/node/spawner.hpp"
#include "troupe/node/system_messages.hpp"

namespace troupe::transport {

void remote_watches::outbound(const pid& to, const envelope& e) { record(e.from, to, e, true); }

void remote_watches::outbound_to_name(const envelope& e) {
  if (e.from.is_null()) return;
  std::lock_guard lock(mutex_);
  if (holds<signals::monitor>(e))
    name_monitors_.emplace(payload<signals::monitor>(e).ref, e.from);
  else if (holds<signals::demonitor>(e))
    name_monitors_.erase({payload<signals::demonitor>(e).ref, e.from});
}

void remote_watches::inbound(const pid& to, const envelope& e) {
  if (holds<signals::down>(e)) {  // a DOWN may answer a monitor by name (from nobody if noproc)
    std::lock_guard lock(mutex_);
    name_monitors_.erase({payload<signals::down>(e).ref, to});
  }
  if (holds<spawn_reply>(e)) {
    // A spawn with link or monitor crossed as a request and this reply: record what it set up.
    auto& r = payload<spawn_reply>(e);
    if (!r.child) return;
    std::lock_guard lock(mutex_);
    if (r.linked) links_.emplace(to, r.child);
    if (r.monitor_ref) monitors_.emplace(r.monitor_ref, to, r.child);
    return;
  }
  record(to, e.from, e, false);
}

void remote_watches::record(const pid& local, const pid& remote, const envelope& e, bool local_is_sender) {
  if (!e.type->signal || local.is_null() || remote.is_null()) return;
  std::lock_guard lock(mutex_);
  if (holds<signals::link>(e)) {
    links_.emplace(local, remote);
  } else if (holds<signals::unlink>(e)) {
    links_.erase({local, remote});
  } else if (holds<signals::exit>(e)) {
    if (payload<signals::exit>(e).linked) links_.erase({local, remote});
  } else if (holds<signals::monitor>(e)) {
    auto ref = payload<signals::monitor>(e).ref;
    if (local_is_sender)
      monitors_.emplace(ref, local, remote);
    else
      monitored_by_.emplace(ref, remote, local);
  } else if (holds<signals::demonitor>(e)) {
    auto ref = payload<signals::demonitor>(e).ref;
    if (local_is_sender)
      monitors_.erase({ref, local, remote});
    else
      monitored_by_.erase({ref, remote, local});
  } else if (holds<signals::down>(e)) {
    auto ref = payload<signals::down>(e).ref;
    if (local_is_sender)
      monitored_by_.erase({ref, remote, local});  // a local process died; the remote watcher is told
    else
      monitors_.erase({ref, local, remote});
  }
}

void remote_watches::fire_noconnection(actor_system& sys) {
  decltype(links_) links;
  decltype(monitors_) monitors;
  decltype(monitored_by_) monitored_by;
  decltype(name_monitors_) name_monitors;
  {
    std::lock_guard lock(mutex_);
    links.swap(links_);
    monitors.swap(monitors_);
    monitored_by.swap(monitored_by_);
    name_monitors.swap(name_monitors_);
  }
  for (auto& [local, remote] : links)
    sys.deliver_local(local, make_envelope<signals::exit>(remote, signals::exit{exit_reason::noconnection(), true}));
  for (auto& [ref, local, remote] : monitors)
    sys.deliver_local(local, make_envelope<signals::down>(remote, signals::down{ref, exit_reason::noconnection()}));
  for (auto& [ref, local] : name_monitors)
    sys.deliver_local(local, make_envelope<signals::down>(pid{}, signals::down{ref, exit_reason::noconnection()}));
  for (auto& [ref, remote, local] : monitored_by)
    sys.deliver_local(local, make_envelope<signals::demonitor>(remote, signals::demonitor{ref}));
}

std::size_t remote_watches::size() const {
  std::lock_guard lock(mutex_);
  return links_.size() + monitors_.size() + monitored_by_.size() + name_monitors_.size();
}

}  // namespace troupe::transport
