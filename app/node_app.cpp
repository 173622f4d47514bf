#include "troupe/app/node_app.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <pthread.h>
#include <unistd.h>

#include "troupe/app/link_faults_service.hpp"
#include "troupe/app/listen_check.hpp"
#include "troupe/app/node_flags.hpp"
#include "troupe/ops/management_endpoint.hpp"
#include "troupe/cluster/cluster_node.hpp"
#include "troupe/node/log.hpp"
#include "troupe/app/cluster_services.hpp"

namespace troupe {

struct node_app::impl {
  std::string program;
  std::string description;
  std::vector<std::pair<std::string, actor_factory>> types;
  std::vector<node_start_hook> hooks;
  std::vector<std::string> mistakes;  ///< reported by run(), before anything starts

  void say(const std::string& text) const { std::fprintf(stderr, "%s: %s\n", program.c_str(), text.c_str()); }
  /// Registers the hosted types; false (and a message) if one was named twice.
  bool register_types();
  int serve(app::node_flags flags);
};

namespace {

/// Why the node must stop at once (set by the transport on its thread, read after sigwait).
struct fatal_reason {
  std::mutex mutex;
  std::string text;

  void set(const std::string& why) {
    std::lock_guard lock(mutex);
    if (text.empty()) text = why;
  }
  std::string get() {
    std::lock_guard lock(mutex);
    return text;
  }
};

sigset_t stop_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGINT);
  return s;
}

}  // namespace

node_app::node_app(std::string program, std::string description) : impl_(std::make_unique<impl>()) {
  impl_->program = std::move(program);
  impl_->description = std::move(description);
}

node_app::~node_app() = default;

node_app& node_app::host(std::string type, actor_factory factory) {
  if (type.empty()) {
    impl_->mistakes.push_back("an actor type needs a name");
    return *this;
  }
  for (const auto& [name, _] : impl_->types)
    if (name == type) impl_->mistakes.push_back("actor type '" + type + "' is hosted twice");
  impl_->types.emplace_back(std::move(type), std::move(factory));
  return *this;
}

node_app& node_app::on_start(node_start_hook hook) {
  impl_->hooks.push_back(std::move(hook));
  return *this;
}

bool node_app::impl::register_types() {
  auto existing = actor_types();
  for (const auto& [name, _] : types)
    if (std::binary_search(existing.begin(), existing.end(), name))
      mistakes.push_back("actor type '" + name + "' is already registered in this process");
  for (const auto& m : mistakes) say(m);
  if (!mistakes.empty()) return false;
  for (auto& [name, factory] : types) register_actor_type(name, std::move(factory));
  return true;
}

int node_app::run(int argc, char** argv) {
  auto parsed = app::parse_node_flags(impl_->program, argc, argv);
  if (!parsed.flags) return parsed.exit_status;
  if (!impl_->register_types()) return 2;
  return impl_->serve(std::move(*parsed.flags));
}

int node_app::impl::serve(app::node_flags flags) {
  log()->set_level(spdlog::level::from_str(flags.log_level));
  // Block the stop signals in every thread (they inherit the mask); this one waits for them.
  auto signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::optional<management_options> http;
  if (!flags.http.empty()) {
    auto parsed = parse_http_address(flags.http);
    if (!parsed) {
      say("--http: " + parsed.error().message());
      return 2;
    }
    http = *parsed;
    if (flags.http_admin) http->admin_token = flags.config.transport.cookie;
    if (auto busy = app::port_in_use(http->address, std::to_string(http->port))) {
      say("--http: " + *busy);
      return 2;
    }
  }
  // One name, one node: a peer that says a live member holds our name stops this node (exit 1).
  auto fatal = std::make_shared<fatal_reason>();
  flags.config.transport.on_name_in_use = [fatal](const std::string& why) {
    fatal->set(why);
    ::kill(::getpid(), SIGTERM);
  };
  auto n = cluster_node::start(flags.config);
  if (!n) {
    say(n.error().message());
    return 1;
  }
  std::unique_ptr<management_endpoint> endpoint;  // asks the admin process started below
  if (http) {
    auto started = management_endpoint::start(**n, *http);
    if (!started) {
      say("--http: " + started.error().message());
      return 1;
    }
    endpoint = std::move(*started);
  }
  cluster_services_options options;
  // `troupectl drain` takes the same path as SIGTERM: this thread does the work below.
  options.on_drain = [] { ::kill(::getpid(), SIGTERM); };
  options.rebalance = flags.rebalance;
  if (flags.allow_fault_injection) app::start_link_faults_service((*n)->system(), (*n)->net().faults());
  auto services = start_cluster_services(**n, std::move(options));
  for (auto& hook : hooks) hook(**n, *services);
  const auto& name = flags.config.name;
  std::printf("%s %s ready on %s creation %u\n", program.c_str(), name.c_str(), (*n)->address().c_str(),
              (*n)->system().creation());
  if (endpoint) std::printf("%s %s http on %s\n", program.c_str(), name.c_str(), endpoint->url().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  if (auto why = fatal->get(); !why.empty()) {
    say(why);  // nothing to drain: this node never joined
    if (endpoint) endpoint->stop();
    (*n)->stop();
    services.reset();
    return 1;
  }
  log()->info("node '{}' stopping on signal {}: draining its global children", name, sig);
  // Graceful handoff: the children move to other members before this node says BYE.
  if (auto drained = services->supervisor->drain(flags.drain_timeout); !drained)
    log()->warn("node '{}': {}", name, drained.error().message());
  std::printf("%s %s drained\n", program.c_str(), name.c_str());
  std::fflush(stdout);
  if (endpoint) endpoint->stop();  // before the node: its requests call the node's admin
  (*n)->stop();
  services.reset();
  return 0;
}

int node_main(int argc, char** argv, const std::function<void(node_app&)>& setup, std::string program) {
  node_app app(std::move(program));
  setup(app);
  return app.run(argc, argv);
}

}  // namespace troupe
