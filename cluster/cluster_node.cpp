#include "troupe/cluster/cluster_node.hpp"

#include <cstdio>
#include <cstdlib>

#include "troupe/node/spawner.hpp"

namespace troupe {

cluster_node::cluster_node(node_config config) : config_(std::move(config)) {}

result<std::unique_ptr<cluster_node>> cluster_node::start(node_config config) { return start(std::move(config), node_runtime{}); }

result<std::unique_ptr<cluster_node>> cluster_node::start(node_config config, node_runtime runtime) {
  if (config.name.empty()) return fail(errc::invalid_argument, "a node needs a name");
  std::unique_ptr<cluster_node> n(new cluster_node(std::move(config)));
  n->system_ = std::make_unique<actor_system>(actor_system_config{.node_name = n->config_.name,
                                                                  .creation = n->config_.creation,
                                                                  .threads = n->config_.threads,
                                                                  .deterministic = runtime.deterministic,
                                                                  .shared_clock = runtime.shared_clock});
  n->spawner_ = start_spawner(*n->system_);
  if (runtime.make_network) {
    n->net_ = runtime.make_network(*n->system_);
  } else {
    auto zmq = std::make_unique<transport::transport>(*n->system_, n->config_.transport);
    n->zmq_ = zmq.get();
    n->net_ = std::move(zmq);
  }
  if (auto r = n->net_->start(); !r) return std::unexpected(r.error());
  auto membership = n->config_.membership;
  membership.seeds = n->config_.seeds;
  start_membership(*n->system_, *n->net_, n->membership_, std::move(membership), &n->events_);
  return n;
}

cluster_node::~cluster_node() { stop(); }

transport::transport& cluster_node::net() {
  if (!zmq_) {
    std::fprintf(stderr,
                 "troupe: cluster_node::net() on node '%s', which runs on a network other than ZeroMQ (a simulation); "
                 "use network(), or zmq_transport(), which is null there\n",
                 config_.name.c_str());
    std::abort();
  }
  return *zmq_;
}

pid cluster_node::spawner_of(std::string_view node_name) const {
  if (node_name == config_.name) return spawner_;
  for (auto& p : net_->peers())
    if (p.name == node_name && p.up) return troupe::spawner_of(p.name, p.creation);
  return {};
}

void cluster_node::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Processes first, so their exit signals to remote links and monitors still go out; then the
  // transport flushes what is queued and says BYE.
  system_->shutdown();
  net_->stop();
}

}  // namespace troupe
