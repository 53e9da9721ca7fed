// Nearest-spike ("set") traces stepped by their age instead of by
// multiplication, with the bits of kernels/learning/pair_stdp.hpp's
// pairTraces (x = x * decay, then 1 on a spike).
//
// Such a trace only ever holds 1, then 1 * decay, (1 * decay) * decay, ...
// (each float32 product rounded), until a product gives back its operand (a
// fixed point: 0, 1 for decay 1, or the subnormal where the rounding of
// m * decay returns m, about 20 x 2^-149 for decay 0.975). The trace k steps
// after its last spike is table[min(k, last)], so a step is an integer
// increment and a table read: no multiplication, and none of the subnormal
// operands that stall the FPU once a trace has decayed past 2^-126 (which
// every input that ever fired ends at, forever).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../abi/learning_view.hpp"

namespace spiking {

class DecayTable {
 public:
  // The longest table built (entries); decays that take longer to reach their
  // fixed point (and decays outside [0, 1]) are not tabled.
  static constexpr std::size_t kMaxEntries = 16384;

  // False when `decay` has no table (then step the traces by multiplication).
  bool build(float decay);
  // The age whose entry has exactly the bits of x; false when none does.
  // Ages from last() on stay where they are.
  bool ageOf(float x, std::uint16_t& age) const;
  float at(std::uint16_t age) const { return values_[age]; }
  std::uint16_t last() const { return last_; }

 private:
  // Strictly decreasing: the powers up to values_[last_], their fixed point,
  // then +0 (a trace that never fired, itself a fixed point) unless that is it.
  std::vector<float> values_;
  std::uint16_t last_ = 0;
};

// The ages of a rule's [batch][in] presynaptic and [batch][stride]
// postsynaptic traces (only the first `out` of each stride row).
class AgedPairTraces {
 public:
  // Tables for both decays and the age of every trace value; false (the
  // caller multiplies instead) when a decay has no table or a value is not
  // in it (a trace set by hand, or one added to rather than set).
  bool start(const Synapses& S, float decayPre, float decayPost, const float* pre, const float* post);
  // pairTraces(S, postSpikes, pre, post, decayPre, decayPost, true): ages
  // up by one (held at the fixed point), 0 where a spike came (the last
  // step's arrivals, `postSpikes` [batch][out]); the traces from the tables.
  void step(const Synapses& S, const std::uint8_t* postSpikes, float* pre, float* post);

 private:
  DecayTable pre_, post_;
  std::vector<std::uint16_t> preAge_, postAge_;  // [batch][in], [batch][out]
};

}  // namespace spiking
