// What a learning kernel sees (kernels/learning/): plain pointers into a
// connection's storage, the postsynaptic layer's spikes and traces and the
// rule's own state, valid for one call. Built and checked by the N-API layer
// (binding/learning.cpp) from views lib/ passes, or by a native caller (the
// network engine) from the slabs it owns; kernels trust it.
//
// A native caller steps a rule once per time step, after the connection and
// the postsynaptic layer stepped (Synapses from the connection slab, `head`
// being the ring row that step wrote; split as binding/learning.cpp does):
//   MSTDPET   kernel::mstdpetPost into a [2][batch][stride] scratch, then
//             activeLearningKernels().mstdpetUpdate over rows [iBegin, iEnd);
//             on a reward, mstdpetStep with scale = f32(lr * reward).
//   PairSTDP  kernel::pairTraces, then the arrivals per sample in increasing
//             order (runtime/blocks.hpp's listSpikes over each sample's
//             row, or the connection's own list from
//             Connection::listArrivals, which has the same form), then
//             activeLearningKernels().pairStdp over outputs [oBegin, oEnd) in
//             whole 64-float tiles.
//   FedeSTDP  kernel::fedeMax (skip the step when it is 0), kernel::fedeTerms,
//             then kernel::fedeRows over rows.
//   normalise activeLearningKernels().normalizeWeights over outputs, as pairStdp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace spiking {

// A Linear connection as the rule sees it after a step (connection_view.hpp
// has the same storage from the stepping side).
struct Synapses {
  std::size_t batch = 0, in = 0, out = 0;
  std::size_t stride = 0;  // floats per row of `weights` and `delays`: a multiple of the widest vector
  std::size_t rows = 1;    // ring rows: maxDelay + 1
  std::size_t head = 0;    // ring row holding the last step's presynaptic spikes
  std::size_t delay = 0;   // the delay of every synapse when `delays` is null
  float* weights = nullptr;            // [in][stride]: weight (o, i) at [i][o], padding 0
  const float* delays = nullptr;       // [in][stride] whole steps, or null
  const std::uint8_t* ring = nullptr;  // [rows][batch][in]

  // The spikes of sample b sent `lag` steps before the last step.
  const std::uint8_t* sent(std::size_t lag, std::size_t b) const {
    return ring + ((head + rows - lag) % rows) * batch * in + b * in;
  }
};

// MSTDPET (kernels/learning/mstdpet.hpp). Every float is already float32 as
// the rule uses it: f32(a_pre), f32(a_post), f32(e_trace_decay), f32(lr * reward).
struct MstdpetCall {
  Synapses syn;
  const float* preTrace = nullptr;    // [batch][in]: the presynaptic trace the last step carried
  const float* postSpikes = nullptr;  // [batch][stride]: 0.0f / 1.0f, 0 past `out` (mstdpetPost fills it)
  const float* postTrace = nullptr;   // [batch][stride]: the postsynaptic trace, 0 past `out`
  float* eTrace = nullptr;            // [batch][in][stride]: e(b, o, i) at [b][i][o]
  float aPre = 0, aPost = 0, decay = 0;
  float scale = 0;  // step: f32(lr * reward)
  std::size_t iBegin = 0, iEnd = 0;  // the presynaptic rows this call updates
};

// FedeSTDP (kernels/learning/fede_stdp.hpp).
struct FedeCall {
  Synapses syn;
  const float* preTrace = nullptr;  // [batch][in]
  float* scratch = nullptr;         // 2 * batch * in floats: the trace terms, per (b, i)
  float lr = 0, wInit = 0, a = 0;   // f32(lr), f32(w_init), f32(a)
  std::size_t iBegin = 0, iEnd = 0;
};

// Pair STDP (kernels/learning/pair_stdp.hpp): the rule's traces already hold
// this step's spikes; the arrivals are listed per sample (increasing inputs).
struct PairCall {
  Synapses syn;                          // without per-synapse delays
  const std::uint8_t* postSpikes = nullptr;  // [batch][out]
  const float* preTrace = nullptr;       // [batch][in]
  const float* postTrace = nullptr;      // [batch][stride], 0 past `out`
  // Optional, [batch][stride]: aMinus * postTrace, the products the
  // depression would compute, already made (runtime/aged_trace.hpp); else null.
  const float* depression = nullptr;
  const std::uint32_t* arrivals = nullptr;   // the inputs whose spikes arrived, sample after sample
  const std::uint32_t* starts = nullptr;     // [batch + 1]: where each sample's arrivals begin
  float aPlus = 0, aMinus = 0, wMin = 0, wMax = 0;
  bool multiplicative = false;           // soft bounds: changes scaled by the room left to the bound
  std::size_t oBegin = 0, oEnd = 0;      // the outputs this call updates (oBegin a multiple of the widest vector)
};

// Weight normalisation (kernels/learning/normalize.hpp).
struct NormalizeCall {
  Synapses syn;
  float total = 0;                  // the sum each output's incoming weights are rescaled to
  std::size_t oBegin = 0, oEnd = 0; // as in PairCall
};

}  // namespace spiking
