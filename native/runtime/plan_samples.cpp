#include "plan_samples.hpp"

#include <algorithm>
#include <cstring>

#include "dispatch.hpp"
#include "network.hpp"
#include "split.hpp"
#include "thread_pool.hpp"

namespace spiking {

bool SampleSplitStep::suits(const NetworkPlan& plan, const BlockSteps& steps, std::size_t threads) {
  if (threads < 2 || plan.layers.empty() || !steps.encodeSamples) return false;
  const std::size_t batch = plan.layers[0].batch;
  if (batch < 2) return false;
  // Neuron updates (and draws), bytes listed: as blocks.cpp's splitChunk, for one step.
  double work = 0;
  for (std::size_t k = 0; k < plan.layers.size(); ++k) {
    const PlanLayer& p = plan.layers[k];
    if (p.batch != batch || p.layer.n != batch * p.perSample) return false;
    if (p.input && !steps.encodeSamples(steps.context, k, 0, 0, 0)) return false;
    work += static_cast<double>(p.layer.n) * (p.input ? 2 : 1);
  }
  for (const PlanConnection& c : plan.connections) {
    const Connection& L = c.link;
    if (L.mode != ConnectionMode::Current || L.delays || L.batch != batch) return false;
    if (L.in != plan.layers[c.from].perSample) return false;
    if (!sampleSplitFits(L)) return false;
    work += static_cast<double>(L.batch) * static_cast<double>(L.in);
  }
  // Only when forced (setSplitting('always')): measured on the 2-core
  // machine (2026-12-04 13:03 UTC, docs/engine.md), MNIST training with
  // batch 16 and 64 ran 1.46x and 1.14x slower so than on one thread. The
  // rule's update runs on the caller after the join and writes the weight
  // rows of the step's arrivals, which the other core reads back the next
  // step, and it reads back that core's traces and lists: more than the
  // half of the step's forward work the second core takes over.
  return splitting() == Splitting::Always && splits(threads, work, kParallelLayerBlock);
}

SampleSplitStep::SampleSplitStep(NetworkPlan& plan, BlockSteps steps, std::size_t threads,
                                 const std::vector<std::unique_ptr<ListedInput>>& listed,
                                 const std::vector<const ListedInput*>& given)
    : plan_(plan), steps_(steps), listed_(listed), given_(given), batch_(plan.layers[0].batch), parts_(std::min(plan.layers[0].batch, threads)) {
  std::size_t need = 0;
  for (const PlanConnection& c : plan.connections) need = std::max(need, partEventWords(c.link, batch_, parts_));
  events_.assign(parts_, std::vector<std::uint32_t>(need));
  counts_.assign(plan.connections.size() * parts_, 0);
}

// Samples [b0, b1) of step t through every layer, on this thread.
void SampleSplitStep::part(std::size_t i, std::uint64_t t, std::size_t j) {
  const std::size_t b0 = partStart(batch_, i, parts_), b1 = partStart(batch_, i + 1, parts_);
  for (std::size_t k = 0; k < plan_.layers.size(); ++k) {
    const PlanLayer& p = plan_.layers[k];
    const std::size_t begin = b0 * p.perSample, end = b1 * p.perSample;
    if (p.input) {
      steps_.encodeSamples(steps_.context, k, t, b0, b1);
      if (listed_[k]) {
        listed_[k]->step(p, j, b0, b1);
        continue;
      }
      Drive drive;
      drive.bytes = p.x;
      activeInstructionSet().step(p.layer, drive, begin, end);
    } else {
      std::fill(p.current + begin, p.current + end, p.layer.model == Model::Fede ? -0.0f : 0.0f);
      for (std::size_t c : p.incoming) {
        const PlanConnection& pc = plan_.connections[c];
        const Connection& L = pc.link;
        const Layer& from = plan_.layers[pc.from].layer;
        // This step's spikes of the source into the ring (the head row), then
        // the arrivals of the delay's row listed and added: these samples only.
        std::memcpy(pc.ring + L.head * L.batch * L.in + b0 * L.in, from.spikes + b0 * L.in, (b1 - b0) * L.in);
        Connection part = L;
        part.batch = b1 - b0;
        part.events = events_[i].data();
        part.gathered = nullptr;
        std::uint32_t* index = part.eventIndex();
        std::uint32_t* starts = part.eventStarts();
        const std::size_t count = given_[c] ? given_[c]->copyLists(j, b0, b1, index, starts)
                                            : listRows(L.sent(L.delay, b0), b1 - b0, L.in, index, starts);
        if (count > 0) {
          part.result = p.current + begin;
          part.oBegin = 0;
          part.oEnd = L.out;
          activeInstructionSet().connection(part);
        }
        // The lists kept where gatherLists finds them: from sample b0's
        // place in the connection's scratch on, starts relative to the part.
        std::memcpy(L.eventIndex() + b0 * L.in, index, count * sizeof(std::uint32_t));
        std::memcpy(L.eventStarts() + b0, starts, (b1 - b0) * sizeof(std::uint32_t));
        counts_[c * parts_ + i] = count;
        if (pc.keptTrace) std::memcpy(pc.keptTrace + b0 * L.in, from.trace + b0 * L.in, (b1 - b0) * L.in * sizeof(float));
      }
      const CurrentDrive drive(p, p.current);
      activeInstructionSet().step(p.layer, drive.drive, begin, end);
    }
  }
  for (std::size_t k = 0; k < plan_.layers.size(); ++k) addLayerCounts(plan_.layers[k], listed_[k].get(), j, b0, b1);
  for (const PlanTap& tap : plan_.taps) {
    if (tap.variable != TapVariable::SpikeCounts) continue;
    const PlanLayer& p = plan_.layers[tap.layer];
    addSpikeCounts(p.layer.spikes + b0 * p.perSample, (b1 - b0) * p.perSample,
                   static_cast<std::uint32_t*>(tap.out) + b0 * p.perSample);
  }
}

// Connection c's lists, left by the parts at their samples' places, made one
// list by sample as listBySample makes it; the ring moved on a row.
void SampleSplitStep::gatherLists(std::size_t c) {
  PlanConnection& pc = plan_.connections[c];
  Connection& L = pc.link;
  std::uint32_t* index = L.eventIndex();
  std::uint32_t* starts = L.eventStarts();
  std::size_t at = 0;
  for (std::size_t i = 0; i < parts_; ++i) {
    const std::size_t b0 = partStart(batch_, i, parts_), b1 = partStart(batch_, i + 1, parts_);
    const std::size_t count = counts_[c * parts_ + i];
    for (std::size_t b = b0; b < b1; ++b) starts[b] += static_cast<std::uint32_t>(at);
    if (at != b0 * L.in) std::memmove(index + at, index + b0 * L.in, count * sizeof(std::uint32_t));
    at += count;
  }
  starts[batch_] = static_cast<std::uint32_t>(at);
  pc.listed = at;
  L.gathered = nullptr;
  L.head = (L.head + 1) % L.rows;
}

void SampleSplitStep::step(std::uint64_t t, std::size_t j) {
  auto run = [&](std::size_t i) { part(i, t, j); };
  ThreadPool::instance().parallelFor(parts_, run);
  for (std::size_t c = 0; c < plan_.connections.size(); ++c) gatherLists(c);
}

}  // namespace spiking
