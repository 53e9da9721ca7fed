#include "learning_steps.hpp"

#include <cmath>

#include "blocks.hpp"
#include "network.hpp"
#include "dispatch.hpp"
#include "split.hpp"
#include "../kernels/learning/fede_stdp.hpp"
#include "../kernels/learning/mstdpet.hpp"
#include "../kernels/learning/pair_stdp.hpp"

namespace spiking {

bool allFinite(const float* values, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    if (!std::isfinite(values[k])) return false;
  }
  return true;
}
namespace {

// The kernel over the presynaptic rows or the outputs of a call (the range
// that `begin` and `end` name), split across the pool (whole 64-item chunks).
template <class Call, class Kernel>
void splitOver(const Call& call, std::size_t Call::*begin, std::size_t Call::*end, std::size_t count, double work,
               Kernel kernel) {
  splitRange(count, work, [&](std::size_t from, std::size_t to) {
    Call part = call;
    part.*begin = from;
    part.*end = to;
    kernel(part);
  });
}

double eTraceEntries(const Synapses& S) {
  return static_cast<double>(S.batch) * static_cast<double>(S.in) * static_cast<double>(S.stride);
}

}  // namespace

void learnMstdpetUpdate(MstdpetCall C, const std::uint8_t* postSpikes, const float* postTrace, float* scratch) {
  const Synapses& S = C.syn;
  kernel::mstdpetPost(S, postSpikes, postTrace, scratch, scratch + S.batch * S.stride);
  C.postSpikes = scratch;
  C.postTrace = scratch + S.batch * S.stride;
  splitOver(C, &MstdpetCall::iBegin, &MstdpetCall::iEnd, S.in, eTraceEntries(S), activeLearningKernels().mstdpetUpdate);
}

void learnMstdpetStep(const MstdpetCall& C) {
  splitOver(C, &MstdpetCall::iBegin, &MstdpetCall::iEnd, C.syn.in, eTraceEntries(C.syn), activeLearningKernels().mstdpetStep);
}

bool learnFede(const FedeCall& C) {
  const Synapses& S = C.syn;
  const float m = kernel::fedeMax(C.preTrace, S.batch * S.in);
  if (m == 0.0f) return false;
  kernel::fedeTerms(C, m);
  const double work = static_cast<double>(S.batch) * static_cast<double>(S.in) * static_cast<double>(S.out) * 8;
  splitOver(C, &FedeCall::iBegin, &FedeCall::iEnd, S.in, work, kernel::fedeRows);
  return true;
}

std::size_t listPairArrivals(const Synapses& S, std::uint32_t* arrivals) {
  return listRows(S.sent(S.delay, 0), S.batch, S.in, arrivals, arrivals + S.batch * S.in);
}

void learnPairListed(const PairCall& C, std::size_t events) {
  const Synapses& S = C.syn;
  double fired = 0;  // the postsynaptic spikes, by the engine's scan (silent stretches skipped)
  countSpikes(C.postSpikes, S.batch * S.out, &fired, 1);
  if (events == 0 && fired == 0) return;
  const double work = static_cast<double>(events) * static_cast<double>(S.out) +
                      fired * static_cast<double>(S.in);
  splitOver(C, &PairCall::oBegin, &PairCall::oEnd, S.out, work, activeLearningKernels().pairStdp);
}

void learnPair(PairCall C, std::uint32_t* arrivals) {
  const std::size_t events = listPairArrivals(C.syn, arrivals);
  C.arrivals = arrivals;
  C.starts = arrivals + C.syn.batch * C.syn.in;
  learnPairListed(C, events);
}

void learnNormalize(const NormalizeCall& C) {
  const double work = 2 * static_cast<double>(C.syn.in) * static_cast<double>(C.syn.stride);
  splitOver(C, &NormalizeCall::oBegin, &NormalizeCall::oEnd, C.syn.out, work, activeLearningKernels().normalizeWeights);
}

}  // namespace spiking
