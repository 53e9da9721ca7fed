// The network engine: a whole network (layers, connections with their
// delays, Poisson and latency encoders, recorder taps) compiled into one plan
// and stepped for many steps in one call, on the thread pool. Built by the
// N-API layer (binding/network.cpp) from views it has checked; lib/network/
// plan.ts compiles the graph that it describes.
//
// Each step does exactly what Network.step() does, in the same order, so the
// bits are those of stepping the network one step at a time:
//   for each layer, in the order it was added:
//     input layer:  its encoder writes x (step t's spikes), then the layer steps on x;
//     neuron layer: current = +0 (FedeNeuron: -0), each incoming connection in
//                   the order it was connected adds its arrivals (Fede: the
//                   difference with the presynaptic trace), then the layer steps;
//   then every layer's spikes are counted per sample, the taps copy what the
//   recorders read, and the step hook runs.
// Within a stage, work is split across the pool where it is large enough;
// every value is computed by one thread in a fixed order whatever the split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../abi/connection_view.hpp"
#include "../abi/layer_view.hpp"

namespace spiking {

// What an input layer's encoder is (lib/network/encoders.ts).
enum class SourceKind : int { None = 0, Poisson = 1, Latency = 2 };

struct PlanSource {
  SourceKind kind = SourceKind::None;
  std::size_t perSample = 0;
  std::uint32_t key0 = 0, key1 = 0, firstSample = 0, domain = 0;  // Philox key and counter words
  // Poisson: p * 2^32 per neuron of a sample (shared) or of the batch.
  const double* thresholds = nullptr;
  bool shared = true;
  // Latency: each neuron's offset within a window before jitter (-1: silent),
  // the window in steps and the jitter in steps, both below 2^53.
  const std::int32_t* base = nullptr;
  double window = 1, jitter = 0;
};

struct PlanLayer {
  Layer layer;
  std::size_t batch = 0, perSample = 0;
  bool input = false;
  // Input layers: the bytes stepped on (written by the source when it has one).
  std::uint8_t* x = nullptr;
  PlanSource source;
  // Neuron layers: the summed input of a step, [n]; FedeNeuron also reads
  // `zeros` as its preTrace (the difference is already in `current`).
  float* current = nullptr;
  const float* zeros = nullptr;
  std::vector<std::size_t> incoming;  // connections, in the order they were connected
  double* counts = nullptr;           // [batch]: spikes per sample, added to every step
};

// The drive of a neuron layer's step on its summed input `current`
// (FedeNeuron also reads the layer's zeros as its preTrace).
struct CurrentDrive {
  Segment x, preTrace;
  Drive drive;
  CurrentDrive(const PlanLayer& p, const float* current) : x{current, 1}, preTrace{p.zeros, 1} {
    drive.x = &x;
    drive.segments = 1;
    if (p.layer.model == Model::Fede) drive.preTrace = &preTrace;
  }
  CurrentDrive(const CurrentDrive&) = delete;
  CurrentDrive& operator=(const CurrentDrive&) = delete;
};

struct PlanConnection {
  Connection link;                  // head is kept here while the plan runs
  std::uint8_t* ring = nullptr;
  std::size_t from = 0;       // the source layer's index
  std::uint8_t* headSlot = nullptr;  // the slab's float64 head slot, written back at the end
  // True when a learning rule changes the weights during the run
  // (plan_learning.hpp): such a connection, and the layer it drives, must be
  // stepped one step at a time (blocks.hpp: the whole plan then runs step by step).
  bool stepwise = false;
  // When set ([batch][in]): the presynaptic trace is copied here each time
  // the connection steps, as forward() and difference() carry it for a rule.
  float* keptTrace = nullptr;
  // The arrivals of the step that ran last, as the connection listed them
  // (by sample, in increasing order, in its slab's event scratch: eventIndex
  // and eventStarts), for a learning rule to read instead of listing them
  // again; kNotListed when it did not list them so (per-synapse delays, Fede).
  static constexpr std::size_t kNotListed = ~std::size_t(0);
  std::size_t listed = kNotListed;
};

// Variables a tap copies after each step; SpikeCounts adds instead.
enum class TapVariable : int { Spikes = 0, VCell = 1, Trace = 2, Thresh = 3, RefracCounts = 4, Theta = 5, SpikeCounts = 6 };

// A copy of one layer variable after every step of the call, step j at
// out + j * n (uint8 for spikes, float32 otherwise): what a recorder reads.
// SpikeCounts: out is one uint32 per neuron, [batch][n], and each step adds
// 1 where the layer spiked (a SpikeCounter's counts, never copied per step).
struct PlanTap {
  std::size_t layer = 0;
  TapVariable variable = TapVariable::Spikes;
  void* out = nullptr;
};

struct NetworkPlan;

// The point where learning rules run: after every step (all layers stepped,
// spikes counted, taps copied), with the plan's layers and connections as
// they are then (spikes, traces, weights). `step` is the network time of the
// step that just ran. A rule may change weights and layer state; it must not
// change sizes or pointers.
// `start` runs before the call's first step (`first`: its network time) and
// may size its scratch there; `finish` after its last (`steps`: how many ran).
struct StepHook {
  void (*afterStep)(void* context, const NetworkPlan& plan, std::uint64_t step) = nullptr;
  void (*start)(void* context, const NetworkPlan& plan, std::uint64_t first) = nullptr;
  void (*finish)(void* context, const NetworkPlan& plan, std::size_t steps) = nullptr;
  void* context = nullptr;
};

struct NetworkPlan {
  std::vector<PlanLayer> layers;
  std::vector<PlanConnection> connections;
  std::vector<PlanTap> taps;
  StepHook hook;
  // Optional, shared with another thread: control[0] non-zero stops the run
  // at the next step boundary; control[1] is set to the steps done so far.
  std::int32_t* control = nullptr;
};

// Runs steps [first, first + steps) of the network, or fewer when stopped
// through plan.control; returns the steps run. Never allocates after its
// scratch is sized at the start, never throws from a kernel. The
// connections' ring heads are written back to their slabs at the end.
std::size_t runPlan(NetworkPlan& plan, std::uint64_t first, std::size_t steps);

}  // namespace spiking
