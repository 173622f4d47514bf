# The simulated transport of the deterministic simulation (simulation/): a wire with virtual
# time and seeded faults, and a `network` over it that mirrors the ZeroMQ transport.
target_sources(troupe_transport PRIVATE
  sim_wire.cpp
  simulated_network.cpp
)
