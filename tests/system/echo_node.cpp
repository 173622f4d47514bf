// A tiny node for the Python client test (tests/system/python_client_test.py): it hosts one
// process registered as `echo` that answers a `test.text` call with the text upper-cased.
//
//   echo_node [--name NAME] [--listen ADDR] [--cookie COOKIE] [--curve]
//
// Prints `READY <address>` on stdout once it listens, then runs until SIGTERM or SIGINT.

#include <signal.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

#include "troupe/node/actor_system.hpp"
#include "tests/support/test_messages.hpp"
#include "troupe/transport/transport.hpp"

namespace {

struct options {
  std::string name = "echo-node";
  troupe::transport::transport_config net;
};

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--curve") o.net.curve = true;
    else if (a == "--name" && has_value) o.name = argv[++i];
    else if (a == "--listen" && has_value) o.net.listen = argv[++i];
    else if (a == "--cookie" && has_value) o.net.cookie = argv[++i];
    else return false;
  }
  return true;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// Blocks the stop signals in every thread (call before any thread starts), so sigwait sees them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: echo_node [--name NAME] [--listen ADDR] [--cookie COOKIE] [--curve]\n");
    return 2;
  }
  sigset_t stop = block_stop_signals();
  troupe::actor_system sys(troupe::actor_system_config{.node_name = o.name, .threads = 1});
  troupe::transport::transport net(sys, o.net);
  if (auto started = net.start(); !started) {
    std::fprintf(stderr, "echo_node: %s\n", started.error().message().c_str());
    return 1;
  }
  auto echo = sys.spawn([](troupe::actor&) -> troupe::behavior {
    return {[](const troupe::test::text& t) { return troupe::test::text{upper(t.value)}; }};
  });
  if (auto r = sys.register_name("echo", echo); !r) {
    std::fprintf(stderr, "echo_node: cannot register echo: %s\n", r.error().message().c_str());
    return 1;
  }
  std::printf("READY %s\n", net.address().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  net.stop();
  return 0;
}
