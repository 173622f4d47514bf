#include "simulation/run.hpp"

#include <exception>

#include "simulation/checks.hpp"
#include "simulation/nemesis.hpp"
#include "simulation/workload.hpp"

namespace troupe::sim {
namespace {

void append(std::vector<std::string>& to, std::vector<std::string> from) {
  for (auto& s : from) to.push_back(std::move(s));
}

std::string stamp(duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%7.3fs ", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace

run_result run_seed(std::uint64_t seed, const run_options& options) {
  run_result out;
  out.seed = seed;
  out.nodes = options.nodes ? options.nodes : 3 + transport::sim_random(seed ^ 0x5eedULL).below(3);
  world_options wo;
  // A joiner is one node more than the cluster it joins (a two-node cluster runs without quorum).
  const bool joins = options.join_at > duration::zero();
  if (joins) ++out.nodes;
  const std::size_t joiner = out.nodes - 1;
  wo.nodes = out.nodes;
  if (joins) wo.late.insert(joiner);
  world w(seed, wo);
  nemesis chaos(w, options.faults);
  workload work(w, options.faults);
  for (auto& f : chaos.schedule()) out.faults.push_back(f.describe(w));
  // The joiner starts in a gap between faults: a node whose only seed does not answer within
  // the handshake timeout gives it up, and nobody else knows of it yet.
  duration join_at = options.join_at;
  for (auto& f : chaos.schedule())
    if (join_at + std::chrono::milliseconds(200) > f.start && join_at < f.start + f.length) join_at = f.start + f.length;
  bool joined = false;
  w.each_ms = [&] {
    if (joins && !joined && w.elapsed() >= join_at) {
      joined = true;
      if (!w.at(joiner).up()) w.log().note("join " + w.at(joiner).name);
      w.start(joiner);  // nothing if a fault's end (a crash's restart) started it already
    }
    chaos.act();
    work.act();
  };
  try {
    w.run_for(options.faults + options.quiet);
    append(out.violations, check_nodes(w));
    append(out.violations, check_names(w));
    append(out.violations, check_children(w, workload::children));
    append(out.violations, check_monitors(w));
    append(out.violations, check_streams(w));
  } catch (const std::exception& ex) {
    out.violations.push_back("an exception escaped the simulation at " + stamp(w.elapsed()) + ": " + ex.what());
  }
  if (!w.log().exclusivity_claimed)
    for (auto& d : w.log().duplicates) out.notes.push_back("(one-way cut, not claimed) " + d);
  for (auto& e : w.log().events) out.events.push_back(stamp(e.at) + e.text);
  out.trace_hash = w.trace_hash();
  out.steps = w.steps();
  return out;
}

}  // namespace troupe::sim
