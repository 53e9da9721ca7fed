// An input layer stepped by its list of spikes: with a linear trace update,
// tauT +0 and alphaT a finite value >= +0 (every neuron the same), an Input
// neuron's step leaves spike = (x != 0) and trace = alphaT * x exactly
// (trace * +0 is +-0 for a finite trace, and +-0 + alphaT * x is alphaT * x,
// fused or not), so only the neurons that spiked on the step before or spike
// now change. The first step of a call runs the layer's kernel (whatever the
// state before it); from then on a step clears the last step's spikes and
// traces and sets this step's, from the list of x's nonzero bytes. A
// Poisson input of MNIST has a few spikes per sample and step out of 784.
//
// The list, per sample in increasing order, is also what a connection from
// the layer with one delay of 0 lists from its ring, and what the layer's
// spike count adds: runPlan hands it to both instead of scanning again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "plan.hpp"
#include "../kernels/encode_call.hpp"

namespace spiking {

class ListedInput {
 public:
  // Whether input layer p may be stepped so in a call: a Poisson source, the
  // Input model with the parameters above (scalars), no records, and every
  // trace finite before the call.
  static bool suits(const PlanLayer& p);

  // `live`: the call's live blocks of the layer's Poisson thresholds
  // (poisson_live.hpp), which outlive this: a sample without any has no
  // spikes and is not scanned (the rest between digits).
  ListedInput(const PlanLayer& p, const BernoulliLive& live);

  // Samples [b0, b1) of step j of the call on this thread, after the encoder
  // wrote their x: the layer's kernel (j == 0) or the lists; then the list
  // of this step. Other threads may step other samples at once.
  void step(const PlanLayer& p, std::size_t j, std::size_t b0, std::size_t b1);

  // Sample b's spikes of step j (after step(j)), in increasing order.
  const std::uint32_t* list(std::size_t j, std::size_t b) const { return index_[j & 1].data() + b * perSample_; }
  std::size_t count(std::size_t j, std::size_t b) const { return count_[j & 1][b]; }

  // Samples [b0, b1)'s lists of step j one after the other into index from
  // 0 on, starts[b - b0] where each begins, starts[b1 - b0] the total: what
  // listRows gives for the same spike rows. Returns the total.
  std::size_t copyLists(std::size_t j, std::size_t b0, std::size_t b1, std::uint32_t* index, std::uint32_t* starts) const;

  // The layer's spike rows of samples [b0, b1) at step j (j >= 1) in `rows`
  // ([batch][perSample], e.g. a delay-0 connection's one-row ring), which
  // hold the rows of step j - 1: step j - 1's spikes cleared, step j's set,
  // instead of copying every byte.
  void moveRows(std::size_t j, std::size_t b0, std::size_t b1, std::uint8_t* rows) const;

 private:
  const BernoulliLive& live_;
  bool shared_ = true;
  std::size_t perSample_ = 0;
  float alpha_ = 0;
  std::vector<std::uint32_t> index_[2];  // by step parity: [batch][perSample], sample b's list from b * perSample
  std::vector<std::uint32_t> count_[2];  // by step parity: [batch]
};

// Adds samples [b0, b1)'s spikes of step j to layer p's per-sample counts:
// from the layer's lists when it is stepped by them (`listed`), else by
// scanning its spike rows. The step loop and its split by samples both count so.
void addLayerCounts(const PlanLayer& p, const ListedInput* listed, std::size_t j, std::size_t b0, std::size_t b1);

}  // namespace spiking
