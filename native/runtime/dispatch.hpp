// The one entry point each instruction set provides, and the dispatcher that
// picks the best one the CPU runs (or the one a test forces).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../abi/layer_view.hpp"
#include "../kernels/encode_call.hpp"
#include "../abi/connection_view.hpp"
#include "../abi/learning_view.hpp"

namespace spiking {

// Steps neurons [begin, end) of the layer once. Never allocates, never throws.
template <class Arch>
void stepLayer(const Layer& layer, const Drive& drive, std::size_t begin, std::size_t end);

// The memory traffic of one LIF step without its arithmetic (benchmarks).
template <class Arch>
void streamLayer(const Layer& layer, const float* x, std::size_t begin, std::size_t end);

// The core's peak rate of float32 vector adds, registers only (benchmarks):
// `rounds` rounds of adds; returns the float adds done (add_peak.hpp).
template <class Arch>
double addPeak(std::size_t rounds);

// The independent running sums of both probes (add_peak.hpp): enough to cover
// an add's latency on every port of the cores we build for, and few enough to
// stay in SSE2's 16 registers. loadAddPeak reads groups of this many vectors.
constexpr std::size_t kPeakSums = 12;

// The same with one vector load per add, over the floats at data (64-byte
// aligned; add_peak.hpp). It reports the float adds, the sum of every lane of
// every running sum at the end (the sums start at 0: shows the loads read the
// data), and the floats of data it read on each pass.
struct LoadAdds {
  double adds = 0;
  double total = 0;
  std::size_t floats = 0;
};
template <class Arch>
LoadAdds loadAddPeak(const float* data, std::size_t floats, std::size_t rounds);

using StepFn = void (*)(const Layer&, const Drive&, std::size_t, std::size_t);
using StreamFn = void (*)(const Layer&, const float*, std::size_t, std::size_t);
using AddPeakFn = double (*)(std::size_t);
using LoadAddPeakFn = LoadAdds (*)(const float*, std::size_t, std::size_t);

// One step of a Linear connection (connection.hpp). Never allocates, never throws.
template <class Arch>
void connectionStep(const Connection& connection);

using ConnectionFn = void (*)(const Connection&);

// One step of the Poisson encoder (encode.hpp). Never allocates, never throws.
template <class Arch>
void bernoulliStep(const BernoulliCall& call);

using BernoulliFn = void (*)(const BernoulliCall&);

// The arrival scanner (arrivals.hpp): the indices of the nonzero bytes of
// row[0, in) appended to index from `count` (room for count + in entries),
// in increasing order; returns the new count. Never allocates, never throws.
template <class Arch>
std::size_t scanSpikes(const std::uint8_t* row, std::size_t in, std::uint32_t* index, std::size_t count);

using ScanFn = std::size_t (*)(const std::uint8_t*, std::size_t, std::uint32_t*, std::size_t);

struct InstructionSet {
  const char* name;
  StepFn step;
  StreamFn stream;
  ConnectionFn connection;
  BernoulliFn bernoulli;
  ScanFn scan;
  AddPeakFn addPeak;
  LoadAddPeakFn loadAddPeak;
};

// Learning rules (kernels/learning/), over a call's presynaptic rows.
// Never allocate, never throw. Looked up by the active set's name
// (runtime/learning_dispatch.cpp), so adding a rule leaves the table above alone.
template <class Arch>
void mstdpetUpdate(const MstdpetCall& call);
template <class Arch>
void mstdpetStep(const MstdpetCall& call);
template <class Arch>
void pairStdp(const PairCall& call);
template <class Arch>
void normalizeWeights(const NormalizeCall& call);

using MstdpetFn = void (*)(const MstdpetCall&);
using PairFn = void (*)(const PairCall&);
using NormalizeFn = void (*)(const NormalizeCall&);

struct LearningKernels {
  const char* name;  // the InstructionSet it belongs to
  MstdpetFn mstdpetUpdate;
  MstdpetFn mstdpetStep;
  PairFn pairStdp;
  NormalizeFn normalizeWeights;
};

// The learning kernels of activeInstructionSet().
const LearningKernels& activeLearningKernels();

// Compiled instruction sets that this CPU runs, best first.
const InstructionSet* const* usableInstructionSets(std::size_t* count);
// The names of every instruction set compiled into this build, best first,
// whether this CPU runs them or not.
const char* compiledInstructionSet(std::size_t index);
std::size_t compiledInstructionSetCount();
const InstructionSet& activeInstructionSet();
// False when `name` is not usable here; the active set is then unchanged.
bool selectInstructionSet(const char* name);

}  // namespace spiking
