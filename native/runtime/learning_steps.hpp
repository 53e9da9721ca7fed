// One step of each learning rule on one connection, in the call order
// abi/learning_view.hpp documents: the serial parts (postsynaptic rows,
// arrivals, FedeSTDP's trace terms) on the caller, then the kernel of the
// active instruction set split across the pool by runtime/split.hpp's rule.
// Every synapse is computed by one call in a fixed order, so the bits do not
// depend on the thread count. Used by the N-API entries (binding/learning.cpp)
// and by the network engine's learning hook (runtime/plan_learning.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../abi/learning_view.hpp"

namespace spiking {

// MSTDPET's eligibility update: postSpikes [batch][out] and postTrace
// [batch][out] laid out as float rows in scratch ([2][batch][stride]), then
// mstdpetUpdate over the presynaptic rows. C.preTrace is set by the caller.
void learnMstdpetUpdate(MstdpetCall C, const std::uint8_t* postSpikes, const float* postTrace, float* scratch);

// MSTDPET's weight step with C.scale = f32(lr * reward).
void learnMstdpetStep(const MstdpetCall& C);

// Whether every one of n floats is finite: FedeSTDP's trace check before learnFede.
bool allFinite(const float* values, std::size_t n);

// FedeSTDP: returns false, changing nothing, when every presynaptic trace is 0.
// The trace must be finite (the caller checks with allFinite or knows).
bool learnFede(const FedeCall& C);

// Pair STDP after kernel::pairTraces: lists the arrivals into `arrivals`
// ([batch * in + batch + 1]) and updates the touched synapses.
void learnPair(PairCall C, std::uint32_t* arrivals);
// learnPair in two: the arrivals of the last step, per sample in increasing
// order (arrivals[0, events), then the batch + 1 sample starts); returns
// events. Then the update from a list of `events` arrivals in C.arrivals
// and C.starts (that one, or the same list made by the connection's step).
std::size_t listPairArrivals(const Synapses& S, std::uint32_t* arrivals);
void learnPairListed(const PairCall& C, std::size_t events);

// Weight normalisation over every output.
void learnNormalize(const NormalizeCall& C);

}  // namespace spiking
