// Nearest-spike ("set") traces stepped by their age instead of by
// multiplication, with the bits of kernels/learning/pair_stdp.hpp's
// pairTraces (x = x * decay, then 1 on a spike).
//
// Such a trace only ever holds 1, then 1 * decay, (1 * decay) * decay, ...
// (each float32 product rounded), until a product gives back its operand (a
// fixed point: 0, 1 for decay 1, or the subnormal where the rounding of
// m * decay returns m, about 20 x 2^-149 for decay 0.975), or +0 if it never
// fired. The trace k steps after its last spike is table[min(k, last)], so a
// step is an integer increment and a table read: no multiplication, and none
// of the subnormal operands that stall the FPU once a trace has decayed past
// 2^-126 (which every input that ever fired ends at, forever). The table also
// holds each entry times a scale (PairSTDP's aMinus for the postsynaptic
// trace): the depression's products, made once.
#pragma once

#include <cstddef>
#include <climits>
#include <cstdint>
#include <memory>
#include <vector>

#include "../abi/learning_view.hpp"

namespace spiking {

class DecayTable {
 public:
  // The longest table built (entries); decays that take longer to reach their
  // fixed point (and decays outside [0, 1]) are not tabled.
  static constexpr std::size_t kMaxEntries = 16384;

  // The table of `decay` with `scale`'s products, shared by every call that
  // asks for the same pair (built once); null when the decay has no table.
  static std::shared_ptr<const DecayTable> of(float decay, float scale);

  // The age whose entry has exactly the bits of x; false when none does.
  // Ages from last() on stay where they are.
  bool ageOf(float x, std::uint16_t& age) const;
  float at(std::uint16_t age) const { return values_[age]; }
  float scaled(std::uint16_t age) const { return scaled_[age]; }  // f32(scale * at(age))
  std::uint16_t last() const { return last_; }

 private:
  bool build(float decay, float scale);
  // Strictly decreasing: the powers up to values_[last_], their fixed point,
  // then +0 (a trace that never fired, itself a fixed point) unless that is it.
  std::vector<float> values_, scaled_;
  std::uint16_t last_ = 0;
};

// A rule's [batch][in] presynaptic and [batch][stride] postsynaptic traces
// (only the first `out` of each stride row) through their tables. Each trace
// only keeps the step of its last spike, and the values are written where
// they are read: a sample's presynaptic row on the steps where one of its
// neurons spiked (the potentiation reads it), its depression row (the
// postsynaptic trace times aMinus) on the steps where an input arrived in it
// (the depression reads it), and every trace after the call's last step. A
// step then costs O(arrivals + out) where something happens, and a scan of
// the postsynaptic spikes where nothing does.
class AgedPairTraces {
 public:
  // Tables for both decays and the age of every trace value before step
  // `first`; false (the caller multiplies instead) when a decay has no table
  // or a value is not in it (a trace set by hand, or one added to rather
  // than set). When the traces still hold exactly what the last call on
  // them wrote (finish), its ages are taken over instead of being looked up
  // in the tables again (a search per trace: a fifth of a silent step).
  bool start(const Synapses& S, float decayPre, float decayPost, float aMinus, const float* pre, const float* post,
             std::uint64_t first);
  // After step t, pairTraces(S, postSpikes, pre, post, decayPre, decayPost,
  // true) as far as it is read: depression() of the samples with an arrival,
  // the presynaptic rows of the samples with a postsynaptic spike.
  // `arrivals`, `starts`: the step's, per sample in increasing order, as
  // listPairArrivals (learning_steps.hpp) lists them.
  void step(const Synapses& S, const std::uint32_t* arrivals, const std::uint32_t* starts,
            const std::uint8_t* postSpikes, float* pre, std::uint64_t t);
  // After the call's last step t: every presynaptic and postsynaptic trace,
  // and their ages kept for the next call's start.
  void finish(const Synapses& S, float* pre, float* post, std::uint64_t t);
  // [batch][stride]: PairCall::depression of the step, for the samples with
  // an arrival (0 past `out`).
  const float* depression() const { return depression_.data(); }

 private:
  static constexpr std::int64_t kNever = INT64_MIN;  // +0 past the powers' fixed point: never fired

  std::shared_ptr<const DecayTable> pre_, post_;
  std::vector<std::int64_t> preSpike_;   // [batch][in]: the step of the last spike (the age is t - it), or kNever
  std::vector<std::int64_t> postSpike_;  // [batch][out], the same
  std::vector<float> depression_;
  // The depression rows written only where they change: an entry whose
  // trace sits at its table's end (the fixed point, or +0: never fired)
  // keeps its value, so after a sample's first row (ready_) only its moving
  // outputs (moving_, count in movingCount_, flagged in isMoving_) are
  // rewritten, and a postsynaptic spike makes an output move again.
  void writeDepression(const Synapses& S, std::size_t b, std::uint64_t t);
  std::vector<std::uint8_t> ready_;       // [batch]
  std::vector<std::uint8_t> isMoving_;    // [batch][out]
  std::vector<std::uint32_t> moving_;     // [batch][out]: sample b's from b * out
  std::vector<std::uint32_t> movingCount_;  // [batch]
  std::uint32_t key_[3] = {0, 0, 0};  // the bits of decayPre, decayPost, aMinus
};

}  // namespace spiking
