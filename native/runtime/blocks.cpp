#include "blocks.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>

#include "dispatch.hpp"
#include "../kernels/connection.hpp"
#include "network.hpp"
#include "runner.hpp"
#include "split.hpp"
#include "thread_pool.hpp"

namespace spiking {
namespace {

// SPIKING_BLOCK_STEPS as a block size, 0 when unset or empty, -1 when invalid.
long blockStepsVariable() {
  const char* text = std::getenv("SPIKING_BLOCK_STEPS");
  if (!text || !*text) return 0;
  long value = 0;
  for (const char* p = text; *p; ++p) {
    if (*p < '0' || *p > '9' || value > static_cast<long>(kMaxBlockSteps)) return -1;
    value = value * 10 + (*p - '0');
  }
  return value >= 1 && value <= static_cast<long>(kMaxBlockSteps) ? value : -1;
}

// The forced block size (0: automatic), shared by every thread of the process.
std::atomic<std::size_t>& forced() {
  static std::atomic<std::size_t> value{static_cast<std::size_t>(std::max(0L, blockStepsVariable()))};
  return value;
}

// The RecordId a tap variable is recorded under (layer_layout.hpp).
RecordId recordOf(TapVariable v) {
  switch (v) {
    case TapVariable::VCell:
      return RecordId::V;
    case TapVariable::Trace:
      return RecordId::Trace;
    case TapVariable::Thresh:
      return RecordId::Thresh;
    case TapVariable::Theta:
      return RecordId::Theta;
    case TapVariable::RefracCounts:
    case TapVariable::Spikes:  // kept by the block itself, never recorded
    case TapVariable::SpikeCounts:
      break;
  }
  return RecordId::RefracCounts;
}

static_assert(kPackWidth <= kernel::kAdjacentStride, "the kernel walks a packed column's rows in chunks");

bool blockable(const PlanConnection& c) {
  return c.link.mode == ConnectionMode::Current && !c.link.delays && !c.stepwise;
}

}  // namespace

std::string blockStepsVariableProblem() {
  if (blockStepsVariable() >= 0) return "";
  return std::string("Expected SPIKING_BLOCK_STEPS to be a whole number from 1 to ") + std::to_string(kMaxBlockSteps) +
         " (steps per block of the network engine) but it is \"" + std::getenv("SPIKING_BLOCK_STEPS") + "\"";
}

std::size_t forcedBlockSteps() { return forced().load(); }

void forceBlockSteps(std::size_t steps) { forced().store(std::min(steps, kMaxBlockSteps)); }

std::size_t blockStepsFor(const NetworkPlan& plan) {
  if (plan.hook.afterStep) return 0;
  for (const PlanConnection& c : plan.connections) {
    if (c.stepwise || c.keptTrace) return 0;  // a learning rule reads it after every step
  }
  if (const std::size_t steps = forcedBlockSteps()) return steps;
  // Scratch per step of a block: every layer's spikes (and trace, for a FedeNeuron's
  // source), every neuron layer's current, every blocked connection's lists.
  double perStep = 0;
  for (const PlanLayer& p : plan.layers) perStep += static_cast<double>(p.layer.n) * (p.input ? 5 : 9);
  for (const PlanConnection& c : plan.connections) {
    if (blockable(c)) perStep += 8.0 * static_cast<double>(c.link.batch) * static_cast<double>(c.link.in + 1);
  }
  const double fits = std::floor(kBlockScratchBytes / std::max(perStep, 1.0));
  return static_cast<std::size_t>(std::max(1.0, std::min(static_cast<double>(kAutoBlockSteps), fits)));
}

std::size_t listSpikes(const std::uint8_t* row, std::size_t in, std::uint32_t* index, std::size_t count) {
  return activeInstructionSet().scan(row, in, index, count);
}

std::size_t listRows(const std::uint8_t* rows, std::size_t batch, std::size_t in, std::uint32_t* index,
                     std::uint32_t* starts) {
  const ScanFn scan = activeInstructionSet().scan;
  std::size_t count = 0;
  for (std::size_t b = 0; b < batch; ++b) {
    starts[b] = static_cast<std::uint32_t>(count);
    count = scan(rows + b * in, in, index, count);
  }
  starts[batch] = static_cast<std::uint32_t>(count);
  return count;
}

BlockRunner::BlockRunner(NetworkPlan& plan, std::size_t blockSteps, BlockSteps steps, std::size_t callSteps)
    : plan_(plan), max_(blockSteps), steps_(steps) {
  const std::size_t layers = plan.layers.size();
  std::vector<std::size_t> target(plan.connections.size(), 0);
  for (std::size_t k = 0; k < layers; ++k) {
    for (std::size_t c : plan.layers[k].incoming) target[c] = k;
  }
  // Layers k and k + 1 share a range when a feedback edge spans both; the
  // range's chunk is the least lag of those edges (1 for a step-wise one:
  // its ring is written every step with the source's spikes of the step before).
  std::vector<bool> joined(layers, false);
  std::vector<std::size_t> limit(layers, max_);  // by the feedback edge's target
  edges_.resize(plan.connections.size());
  std::vector<bool> needsTrace(layers, false);
  for (std::size_t c = 0; c < plan.connections.size(); ++c) {
    const PlanConnection& pc = plan.connections[c];
    Edge& e = edges_[c];
    e.blocked = blockable(pc);
    e.forward = pc.from < target[c];
    e.lag = (pc.link.delays ? 0 : pc.link.delay) + (e.forward ? 0 : 1);
    if (pc.link.mode == ConnectionMode::Difference) needsTrace[pc.from] = true;
    e.packs = e.blocked && callSteps >= kPackFromSteps && pc.link.in >= kPackFromInputs &&
              pc.link.weightBytes() > kPackFromBytes;
    if (e.blocked) {
      Connection lists = pc.link;
      lists.batch = max_ * pc.link.batch;
      e.events.reset(new std::uint32_t[lists.eventWords()]);
    }
    if (pc.from > target[c] && (!e.blocked || e.lag < max_)) {
      for (std::size_t k = target[c]; k < pc.from; ++k) joined[k] = true;
      limit[target[c]] = std::min(limit[target[c]], e.blocked ? e.lag : std::size_t(1));
    }
  }
  for (std::size_t k = 0; k < layers;) {
    Range r;
    r.first = k;
    r.chunk = limit[k];
    while (joined[k]) r.chunk = std::min(r.chunk, limit[++k]);
    r.last = k++;
    ranges_.push_back(r);
  }
  spikes_.resize(layers);
  traces_.resize(layers);
  current_.resize(layers);
  primary_.assign(layers, std::vector<int>(kRecordCount, -1));
  for (std::size_t k = 0; k < layers; ++k) {
    const PlanLayer& p = plan.layers[k];
    spikes_[k].resize((max_ + 1) * p.layer.n);
    if (needsTrace[k]) traces_[k].resize((max_ + 1) * p.layer.n);
    if (!p.input) current_[k].resize(max_ * p.layer.n);
  }
  counted_.resize(layers * (max_ + 1));
  for (std::size_t i = 0; i < plan.taps.size(); ++i) {
    const PlanTap& tap = plan.taps[i];
    if (tap.variable == TapVariable::Spikes || tap.variable == TapVariable::SpikeCounts) continue;
    int& primary = primary_[tap.layer][static_cast<int>(recordOf(tap.variable))];
    if (primary < 0) primary = static_cast<int>(i);
  }
}

// The spikes of sample b that arrive through connection c at step j of the
// block: sent `delay` steps before, from the kept spikes of the block (the
// source's spikes of that step, or of the step before for a feedback edge)
// or, before the block, from the ring (untouched until the block ends).
const std::uint8_t* BlockRunner::sentRow(std::size_t c, std::size_t j, std::size_t b) const {
  const PlanConnection& pc = plan_.connections[c];
  const Connection& L = pc.link;
  const long rel = static_cast<long>(j) - static_cast<long>(L.delay);
  if (rel >= 0) {
    const std::size_t row = static_cast<std::size_t>(rel) + (edges_[c].forward ? 1 : 0);
    return spikes_[pc.from].data() + row * plan_.layers[pc.from].layer.n + b * L.in;
  }
  const std::size_t ring = (L.head + L.rows - static_cast<std::size_t>(-rel)) % L.rows;
  return L.ring + ring * L.batch * L.in + b * L.in;
}

// Adds the arrivals of connection c at steps [s, e) of the block into the
// target's currents (`current`, block step 0): the (step, sample) lists of
// those steps, in that order, as one batch of lists, so the kernel walks its
// weight rows a tile of outputs at a time through all of them.
void BlockRunner::addBlocked(std::size_t c, std::size_t s, std::size_t e, float* current) {
  const PlanConnection& pc = plan_.connections[c];
  Connection part = pc.link;
  part.batch = (e - s) * pc.link.batch;
  part.events = edges_[c].events.get();
  part.gathered = nullptr;
  std::uint32_t* index = part.eventIndex();
  std::uint32_t* start = part.eventStarts();
  std::size_t count = 0, list = 0;
  for (std::size_t j = s; j < e; ++j) {
    for (std::size_t b = 0; b < pc.link.batch; ++b) {
      start[list++] = static_cast<std::uint32_t>(count);
      count = listSpikes(sentRow(c, j, b), pc.link.in, index, count);
    }
  }
  start[list] = static_cast<std::uint32_t>(count);
  part.result = current + s * pc.link.batch * pc.link.out;
  const std::vector<float>& packed = edges_[c].packed;
  if (packed.empty()) return runConnectionKernel(part, static_cast<double>(count) * static_cast<double>(pc.link.out));
  if (count == 0) return;
  // The packed weights: one kernel call per column of kPackWidth outputs, on
  // that column's own rows (stride kPackWidth); the same adds in the same order.
  const ConnectionFn step = activeInstructionSet().connection;
  const std::size_t columns = (part.out + kPackWidth - 1) / kPackWidth;
  auto column = [&](std::size_t t) {
    Connection view = part;
    view.weights = edges_[c].packedAt + t * part.in * kPackWidth;
    view.stride = kPackWidth;
    view.result = part.result + t * kPackWidth;
    view.oBegin = 0;
    view.oEnd = std::min(kPackWidth, part.out - t * kPackWidth);
    step(view);
  };
  ThreadPool& pool = ThreadPool::instance();
  if (!splits(pool.threads(), static_cast<double>(count) * static_cast<double>(pc.link.out), kParallelAdds)) {
    for (std::size_t t = 0; t < columns; ++t) column(t);
    return;
  }
  // A few ranges of columns per thread (as splitRange), not a task per column.
  const std::size_t parts = std::min(columns, pool.threads() * 4);
  auto range = [&](std::size_t i) {
    for (std::size_t t = partStart(columns, i, parts); t < partStart(columns, i + 1, parts); ++t) column(t);
  };
  pool.parallelFor(parts, range);
}

// Step j of the block of layer k, on its input (encoded now, or the current
// of step j); its spikes go to the kept row j + 1, the variables that taps
// read (and the trace a FedeNeuron reads) straight to where they are kept.
// Neurons [begin, end) only, on this thread, when `part` (stepSplit), with
// an input layer's samples [begin / perSample, end / perSample) encoded first;
// else every neuron, split across the pool by split.hpp's rule.
void BlockRunner::stepLayer(std::size_t k, std::size_t j, bool part, std::size_t begin, std::size_t end) {
  const PlanLayer& p = plan_.layers[k];
  const std::size_t n = p.layer.n;
  Layer at = p.layer;
  at.spikes = spikes_[k].data() + (j + 1) * n;
  for (int r = 0; r < kRecordCount; ++r) {
    const int tap = primary_[k][r];
    at.records[r] = tap < 0 ? nullptr : static_cast<float*>(plan_.taps[tap].out) + (j0_ + j) * n;
  }
  if (!traces_[k].empty()) at.records[static_cast<int>(RecordId::Trace)] = traces_[k].data() + (j + 1) * n;
  Drive drive;
  Segment x, preTrace;
  if (p.input) {
    if (part) {
      steps_.encodeSamples(steps_.context, k, t0_ + j, begin / p.perSample, end / p.perSample);
    } else {
      steps_.encode(steps_.context, k, t0_ + j);
    }
    drive.bytes = p.x;
  } else {
    x = Segment{current_[k].data() + j * n, 1};
    drive.x = &x;
    drive.segments = 1;
    if (p.layer.model == Model::Fede) {
      preTrace = Segment{p.zeros, 1};
      drive.preTrace = &preTrace;
    }
  }
  if (part) {
    activeInstructionSet().step(at, drive, begin, end);
  } else {
    stepLayerParallel(at, drive);
  }
}

// The arrivals of connection c at step j of the block for samples [b0, b1)
// only, into their rows of `current`, listed into this thread's `events`.
void BlockRunner::addSamples(std::size_t c, std::size_t j, std::size_t b0, std::size_t b1, float* current,
                             std::uint32_t* events) const {
  const Connection& L = plan_.connections[c].link;
  Connection part = L;
  part.batch = b1 - b0;
  part.events = events;  // sized by splitChunk for its widest part
  part.gathered = nullptr;
  std::uint32_t* index = part.eventIndex();
  std::uint32_t* start = part.eventStarts();
  std::size_t count = 0;
  for (std::size_t b = b0; b < b1; ++b) {
    start[b - b0] = static_cast<std::uint32_t>(count);
    count = listSpikes(sentRow(c, j, b), L.in, index, count);
  }
  start[part.batch] = static_cast<std::uint32_t>(count);
  if (count == 0) return;
  part.result = current + (j * L.batch + b0) * L.out;
  part.oBegin = 0;
  part.oEnd = L.out;
  activeInstructionSet().connection(part);
}

// Layer k through steps [s, e) of the block in one fork/join instead of one
// per stage and step, when each sample's inputs come from that sample alone
// and are known in time: an input layer, or one whose incoming connections
// are all blocked and either added for the whole chunk (`lead` of them) or
// loops of the layer onto itself (they read its earlier steps' spikes of the
// same samples). Each thread takes its own range of samples through the
// chunk step by step: its samples' arrivals added into their currents (in
// connection order), then its neurons stepped; or, for an input layer, its
// samples encoded and stepped. Samples are independent within a
// step and each output still adds its arrivals in the same order, so any
// split gives the same bits. A thread reads every weight row its samples'
// spikes select, once per step: only for weights that stay in a core's
// cache (kSampleSplitWeightBytes); larger ones split by outputs
// (addBlocked). Whether it ran the chunk.
bool BlockRunner::splitChunk(std::size_t k, std::size_t s, std::size_t e, std::size_t lead) {
  const PlanLayer& p = plan_.layers[k];
  // Neuron updates (and draws), bytes listed: split.hpp's kParallelLayerBlock.
  double work = static_cast<double>(e - s) * static_cast<double>(p.layer.n) * (p.input ? 2 : 1);
  for (std::size_t i = 0; i < p.incoming.size(); ++i) {
    const std::size_t c = p.incoming[i];
    if (i >= lead && !(edges_[c].blocked && plan_.connections[c].from == k)) return false;
    const Connection& L = plan_.connections[c].link;
    if (!sampleSplitFits(L)) return false;
    work += static_cast<double>(e - s) * static_cast<double>(L.batch) * static_cast<double>(L.in);
  }
  ThreadPool& pool = ThreadPool::instance();
  const std::size_t threads = pool.threads();
  if (p.batch < 2 || !splits(threads, work, kParallelLayerBlock)) return false;
  if (p.input && (!steps_.encodeSamples || !steps_.encodeSamples(steps_.context, k, t0_ + s, 0, 0))) return false;
  const std::size_t parts = std::min(p.batch, threads);
  // Each part's arrival lists, sized here.
  std::size_t need = 0;
  for (std::size_t c : p.incoming) need = std::max(need, partEventWords(plan_.connections[c].link, p.batch, parts));
  if (events_.size() < parts) events_.resize(parts);
  for (std::size_t i = 0; i < parts; ++i) {
    if (events_[i].size() < need) events_[i].resize(need);
  }
  const std::size_t n = p.layer.n;
  const float zero = p.layer.model == Model::Fede ? -0.0f : 0.0f;
  auto part = [&](std::size_t i) {
    const std::size_t b0 = partStart(p.batch, i, parts), b1 = partStart(p.batch, i + 1, parts);
    const std::size_t begin = b0 * p.perSample, end = b1 * p.perSample;
    float* current = current_[k].data();
    for (std::size_t j = s; j < e; ++j) {
      if (!p.input) {
        std::fill(current + j * n + begin, current + j * n + end, zero);
        for (std::size_t c : p.incoming) addSamples(c, j, b0, b1, current, events_[i].data());
      }
      stepSamples(k, j, b0, b1);
    }
  };
  pool.parallelFor(parts, part);
  std::fill_n(counted_.begin() + k * (max_ + 1) + s + 1, e - s, std::uint8_t{1});
  return true;
}

// Step j of layer k for samples [b0, b1) on this thread (a part of a split
// chunk), then those samples' spike counts of the step: counted where they
// were just written, while the other threads count theirs, instead of by the
// caller alone after the block (finish skips the rows counted here). Counts
// are whole numbers in doubles: the sums do not depend on the order.
void BlockRunner::stepSamples(std::size_t k, std::size_t j, std::size_t b0, std::size_t b1) {
  const PlanLayer& p = plan_.layers[k];
  stepLayer(k, j, true, b0 * p.perSample, b1 * p.perSample);
  countSpikes(spikes_[k].data() + (j + 1) * p.layer.n + b0 * p.perSample, p.perSample, p.counts + b0, b1 - b0);
}

// Neuron layer k through steps [s, e) of the block, its currents for them all
// added already, in one fork/join instead of one per step (or none: a layer
// of a few tens of thousands of neurons steps on one thread): each thread
// takes its own range of samples through the chunk, step by step. Neurons
// are independent within a step, so any split gives the same bits. Whether
// it ran the chunk.
bool BlockRunner::stepChunk(std::size_t k, std::size_t s, std::size_t e) {
  const PlanLayer& p = plan_.layers[k];
  ThreadPool& pool = ThreadPool::instance();
  const double work = static_cast<double>(e - s) * static_cast<double>(p.layer.n);
  if (p.batch < 2 || !splits(pool.threads(), work, kParallelLayerBlock)) return false;
  const std::size_t parts = std::min(p.batch, pool.threads());
  auto part = [&](std::size_t i) {
    const std::size_t b0 = partStart(p.batch, i, parts), b1 = partStart(p.batch, i + 1, parts);
    for (std::size_t j = s; j < e; ++j) stepSamples(k, j, b0, b1);
  };
  pool.parallelFor(parts, part);
  std::fill_n(counted_.begin() + k * (max_ + 1) + s + 1, e - s, std::uint8_t{1});
  return true;
}

// Layer k through steps [s, e) of the block: the leading connections whose
// arrivals are all known add the whole chunk at once; then, step by step,
// the others add theirs (in connection order) and the layer steps.
void BlockRunner::runLayer(std::size_t k, std::size_t s, std::size_t e) {
  const PlanLayer& p = plan_.layers[k];
  if (p.input) {
    if (!splitChunk(k, s, e, 0)) {
      for (std::size_t j = s; j < e; ++j) stepLayer(k, j);
    }
    return;
  }
  std::size_t lead = 0;
  for (; lead < p.incoming.size(); ++lead) {
    const Edge& edge = edges_[p.incoming[lead]];
    if (!edge.blocked || (!edge.forward && edge.lag < e - s)) break;
  }
  if (splitChunk(k, s, e, lead)) return;
  const std::size_t n = p.layer.n;
  float* current = current_[k].data();
  std::fill(current + s * n, current + e * n, p.layer.model == Model::Fede ? -0.0f : 0.0f);
  for (std::size_t i = 0; i < lead; ++i) addBlocked(p.incoming[i], s, e, current);
  if (lead == p.incoming.size() && stepChunk(k, s, e)) return;
  for (std::size_t j = s; j < e; ++j) {
    for (std::size_t i = lead; i < p.incoming.size(); ++i) {
      const std::size_t c = p.incoming[i];
      if (edges_[c].blocked) {
        addBlocked(c, j, j + 1, current);
        continue;
      }
      // As the step loop: the source's spikes (and trace) of this step, or of the step before.
      const std::size_t from = plan_.connections[c].from;
      const std::size_t row = j + (edges_[c].forward ? 1 : 0);
      const std::size_t m = plan_.layers[from].layer.n;
      const float* trace = traces_[from].empty() ? nullptr : traces_[from].data() + row * m;
      steps_.edge(steps_.context, c, spikes_[from].data() + row * m, trace, current + j * n);
    }
    stepLayer(k, j);
  }
}

// The weights of connection c by columns of kPackWidth outputs (the last
// padded with zeros): column t's rows [in][kPackWidth] one after another.
void BlockRunner::pack(std::size_t c) {
  const Connection& L = plan_.connections[c].link;
  std::vector<float>& packed = edges_[c].packed;
  const std::size_t columns = (L.out + kPackWidth - 1) / kPackWidth;
  constexpr std::size_t kLine = 64 / sizeof(float);
  packed.assign(columns * L.in * kPackWidth + kLine, 0.0f);
  float* at = packed.data() + floatsToLine(packed.data());
  edges_[c].packedAt = at;
  for (std::size_t t = 0; t < columns; ++t) {
    const std::size_t width = std::min(kPackWidth, L.out - t * kPackWidth);
    for (std::size_t i = 0; i < L.in; ++i) {
      std::memcpy(at + (t * L.in + i) * kPackWidth, L.weights + i * L.stride + t * kPackWidth,
                  width * sizeof(float));
    }
  }
}

void BlockRunner::run(std::uint64_t t0, std::size_t j0, std::size_t count) {
  if (!packed_) {
    packed_ = true;
    for (std::size_t c = 0; c < edges_.size(); ++c) {
      if (edges_[c].packs) pack(c);
    }
  }
  t0_ = t0;
  j0_ = j0;
  count_ = count;
  std::fill(counted_.begin(), counted_.end(), std::uint8_t{0});
  for (std::size_t k = 0; k < plan_.layers.size(); ++k) {
    const Layer& L = plan_.layers[k].layer;
    std::memcpy(spikes_[k].data(), L.spikes, L.n);
    if (!traces_[k].empty()) std::memcpy(traces_[k].data(), L.trace, L.n * sizeof(float));
  }
  for (const Range& r : ranges_) {
    for (std::size_t s = 0; s < count; s += r.chunk) {
      const std::size_t e = std::min(count, s + r.chunk);
      for (std::size_t k = r.first; k <= r.last; ++k) runLayer(k, s, e);
    }
  }
  finish();
}

// What the step loop leaves after each step, for the block: the last
// spikes and current in the layers, the spike counts, the taps, and the
// rings of the blocked connections with the rows the block sent.
void BlockRunner::finish() {
  for (std::size_t k = 0; k < plan_.layers.size(); ++k) {
    const PlanLayer& p = plan_.layers[k];
    const std::size_t n = p.layer.n;
    std::memcpy(p.layer.spikes, spikes_[k].data() + count_ * n, n);
    if (!p.input) std::memcpy(p.current, current_[k].data() + (count_ - 1) * n, n * sizeof(float));
    for (std::size_t j = 1; j <= count_; ++j) {
      if (!counted_[k * (max_ + 1) + j]) countSpikes(spikes_[k].data() + j * n, p.perSample, p.counts, p.batch);
    }
  }
  for (std::size_t i = 0; i < plan_.taps.size(); ++i) {
    const PlanTap& tap = plan_.taps[i];
    const std::size_t n = plan_.layers[tap.layer].layer.n;
    if (tap.variable == TapVariable::SpikeCounts) {
      for (std::size_t j = 1; j <= count_; ++j) {
        addSpikeCounts(spikes_[tap.layer].data() + j * n, n, static_cast<std::uint32_t*>(tap.out));
      }
      continue;
    }
    if (tap.variable == TapVariable::Spikes) {
      std::memcpy(static_cast<std::uint8_t*>(tap.out) + j0_ * n, spikes_[tap.layer].data() + n, count_ * n);
      continue;
    }
    float* out = static_cast<float*>(tap.out) + j0_ * n;
    if (tap.variable == TapVariable::Trace && !traces_[tap.layer].empty()) {
      std::memcpy(out, traces_[tap.layer].data() + n, count_ * n * sizeof(float));
      continue;
    }
    const int primary = primary_[tap.layer][static_cast<int>(recordOf(tap.variable))];
    if (primary != static_cast<int>(i)) {
      std::memcpy(out, static_cast<const float*>(plan_.taps[primary].out) + j0_ * n, count_ * n * sizeof(float));
    }
  }
  for (std::size_t c = 0; c < plan_.connections.size(); ++c) {
    if (!edges_[c].blocked) continue;
    PlanConnection& pc = plan_.connections[c];
    Connection& L = pc.link;
    const std::size_t n = L.batch * L.in;
    const std::size_t forward = edges_[c].forward ? 1 : 0;
    for (std::size_t j = count_ > L.rows ? count_ - L.rows : 0; j < count_; ++j) {
      std::memcpy(L.ring + ((L.head + j) % L.rows) * n, spikes_[pc.from].data() + (j + forward) * n, n);
    }
    L.head = (L.head + count_) % L.rows;
  }
}

}  // namespace spiking
