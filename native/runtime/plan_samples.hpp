// One step of a network plan (plan.hpp) in one fork/join, each thread with
// its own range of samples: the step loop's stages (encoders, input layers,
// connections, neuron layers, spike counts, spike-count taps) as separate
// splits would cost a fork/join each, more than they save at the batches of
// a training run (a batch-16 MNIST step is about 12 us, a fork/join 0.8 us).
//
// The bits are those of runPlan's step loop: within a step, a sample's
// values depend on that sample alone (its encoder counter, its neurons, its
// rows of every ring; the weights are only read), and each thread takes its
// samples through the layers in the order they were added, each neuron
// layer's connections in the order they were connected, with the kernels
// the step loop uses on a range of samples. After the join, the caller's
// thread moves the rings on and gathers each connection's arrival lists into
// its event scratch (by sample, in increasing order, as listBySample leaves
// them) for a learning rule to read (PlanConnection::listed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "blocks.hpp"
#include "listed_input.hpp"
#include "plan.hpp"

namespace spiking {

class SampleSplitStep {
 public:
  // Whether the plan's steps may run so on `threads` threads: only when
  // forceSplitting(Always) forces it (see the .cpp: slower on a 2-core
  // machine for MNIST training), and then: every layer and connection of one batch >= 2, every
  // connection in Current mode with one delay for every synapse and weights
  // that stay in a core's cache (kSampleSplitWeightBytes), every encoder able
  // to encode a range of samples (steps.encodeSamples).
  static bool suits(const NetworkPlan& plan, const BlockSteps& steps, std::size_t threads);

  // Scratch for `threads` parts (allocated here, once). `listed`: per
  // layer, its lists of spikes or null; `given`: per connection, the source
  // list that is its arrivals or null (runPlan's, which outlive this).
  SampleSplitStep(NetworkPlan& plan, BlockSteps steps, std::size_t threads,
                  const std::vector<std::unique_ptr<ListedInput>>& listed, const std::vector<const ListedInput*>& given);

  // Step t (step j of the call), then every layer's spike counts and the
  // SpikeCounts taps; the other taps and the hook are the caller's.
  void step(std::uint64_t t, std::size_t j);

 private:
  void part(std::size_t i, std::uint64_t t, std::size_t j);
  void gatherLists(std::size_t c);

  NetworkPlan& plan_;
  BlockSteps steps_;
  const std::vector<std::unique_ptr<ListedInput>>& listed_;
  const std::vector<const ListedInput*>& given_;
  std::size_t batch_ = 0, parts_ = 0;
  std::vector<std::vector<std::uint32_t>> events_;  // per part: a connection's lists for its samples
  std::vector<std::size_t> counts_;                 // [connection][part]: arrivals listed
};

}  // namespace spiking
