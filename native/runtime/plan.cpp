#include "plan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <tuple>
#include <utility>

#include "blocks.hpp"
#include "dispatch.hpp"
#include "network.hpp"
#include "listed_input.hpp"
#include "plan_samples.hpp"
#include "poisson_live.hpp"
#include "runner.hpp"
#include "split.hpp"
#include "thread_pool.hpp"
#include "../kernels/philox.hpp"

#if defined(_MSC_VER)
#include <intrin.h>
#endif

namespace spiking {
namespace {

// The control words another thread reads and writes (NetworkPlan::control).
inline std::int32_t loadShared(const std::int32_t* p) {
#if defined(_MSC_VER)
  return _InterlockedOr(reinterpret_cast<volatile long*>(const_cast<std::int32_t*>(p)), 0);
#else
  return __atomic_load_n(p, __ATOMIC_ACQUIRE);
#endif
}

inline void storeShared(std::int32_t* p, std::int32_t value) {
#if defined(_MSC_VER)
  _InterlockedExchange(reinterpret_cast<volatile long*>(p), value);
#else
  __atomic_store_n(p, value, __ATOMIC_RELEASE);
#endif
}

// Runs f(b0, b1) over the samples [0, batch): on the caller alone when the
// draws are few, else in chunks of whole samples, a few per thread (each
// sample's draws depend on its own counter only, so any split gives the same
// bits), by split.hpp's rule and threshold for draws.
template <class F>
void splitSamples(std::size_t batch, double draws, F&& f) {
  ThreadPool& pool = ThreadPool::instance();
  const std::size_t threads = pool.threads();
  if (batch == 1 || !splits(threads, draws, kParallelDraws)) return f(std::size_t(0), batch);
  const std::size_t size = std::max<std::size_t>(1, batch / (threads * 4));
  auto chunk = [&](std::size_t c) { f(c * size, std::min(batch, (c + 1) * size)); };
  pool.parallelFor((batch + size - 1) / size, chunk);
}

// Where a neuron layer's connections write: +0, or -0 for FedeNeuron, whose
// first difference must come out exactly ((-0) + e == e).
void clearCurrent(const PlanLayer& p) {
  const float zero = p.layer.model == Model::Fede ? -0.0f : 0.0f;
  std::fill(p.current, p.current + p.layer.n, zero);
}

// Poisson: kernels/encode.hpp's bernoulliStep, split over samples (each
// sample's draws depend on its own counter only), drawing only the blocks
// of the call's live list (the thresholds do not change during a call)
// when at most half of them are live: the listed kernel gathers its limits
// and scatters its bytes a lane at a time, which costs more than drawing the
// dead blocks too once most are live (every input of bench:network is, and
// there the listed kernel took 33% of a 250-neuron step against 12% for the
// full one). Both give the same bits.
// Samples [b0, b1) on this thread.
void encodePoissonSamples(const PlanLayer& p, const BernoulliLive& live, std::uint32_t step, std::size_t b0, std::size_t b1) {
  const PlanSource& s = p.source;
  const double blocks = static_cast<double>((s.perSample + 3) / 4) * static_cast<double>(s.shared ? 1 : p.batch);
  BernoulliCall call;
  call.out = p.x + b0 * s.perSample;
  call.thresholds = s.thresholds + (s.shared ? 0 : b0 * s.perSample);
  call.n = s.perSample;
  call.batch = b1 - b0;
  call.shared = s.shared;
  call.key0 = s.key0;
  call.key1 = s.key1;
  call.step = step;
  call.firstSample = s.firstSample + static_cast<std::uint32_t>(b0);
  call.domain = s.domain;
  call.live = 2.0 * static_cast<double>(live.block.size()) <= blocks ? &live : nullptr;
  call.liveFirst = b0;
  activeInstructionSet().bernoulli(call);
}

void encodePoisson(const PlanLayer& p, const BernoulliLive& live, std::uint32_t step) {
  splitSamples(p.batch, static_cast<double>(p.layer.n),
               [&](std::size_t b0, std::size_t b1) { encodePoissonSamples(p, live, step, b0, b1); });
}

// Latency: the offsets of one window (LatencyEncoder.layOut's arithmetic, in
// double as in JavaScript), then the neurons whose offset is this step's.
struct LatencyState {
  std::vector<double> offsets;
  double window = -1;  // the window `offsets` holds
};

void layOutLatency(const PlanLayer& p, LatencyState& state, double w) {
  const PlanSource& s = p.source;
  const double jitter = s.jitter, window = s.window;
  const double span = 2 * jitter + 1;
  splitSamples(p.batch, static_cast<double>(p.layer.n) * (jitter > 0 ? 8 : 1), [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      const std::uint32_t sample = s.firstSample + static_cast<std::uint32_t>(b);
      std::uint32_t block[4] = {0, 0, 0, 0};
      std::size_t drawn = ~std::size_t(0);  // the block of words `block` holds
      for (std::size_t i = 0; i < s.perSample; ++i) {
        const std::size_t k = b * s.perSample + i;
        double t = s.base[k];
        if (t >= 0 && jitter > 0) {
          if (drawn != i / 4) {
            drawn = i / 4;
            philoxBlocks(block, 1, s.key0, s.key1, static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(drawn), sample,
                         s.domain);
          }
          const double u = static_cast<double>(block[i % 4]) / 4294967296.0;
          t += std::floor(u * span) - jitter;
          t = std::min(window - 1, std::max(0.0, t));
        }
        state.offsets[k] = t;
      }
    }
  });
  state.window = w;
}

void encodeLatency(const PlanLayer& p, LatencyState& state, std::uint32_t step) {
  const double t = step, w = std::floor(t / p.source.window);
  if (w != state.window) layOutLatency(p, state, w);
  const double offset = t - w * p.source.window;
  for (std::size_t k = 0; k < p.layer.n; ++k) p.x[k] = state.offsets[k] == offset ? 1 : 0;
}

// The scratch of one connection's gathered arrivals (Gathered), and the
// choice between the two kernels that give the same bits: by input (each
// weight row read once per step, but a load and a store per add) or by
// sample (register accumulators, a row read once per sample it arrives in).
// Which is faster depends on the sizes and the machine, so the first
// kTrialSteps steps of a call alternate between them and time each; the rest
// use the faster.
constexpr std::size_t kTrialSteps = 8;

struct GatherState {
  std::vector<std::uint32_t> input, start, sample, cursor;
  Gathered list;
  std::size_t trials = 0;
  double seconds[2] = {0, 0};  // by sample, by input
  bool byInput() const {
    return trials < kTrialSteps ? trials % 2 == 1 : seconds[1] < seconds[0];
  }
};

// Lists the inputs that arrive now, per sample in increasing order, into the
// slab's event scratch: Connection::listArrivals without per-synapse delays
// (blocks.hpp's listSpikes). Returns the arrivals.
std::size_t listBySample(const Connection& L) {
  return listRows(L.sent(L.delay, 0), L.batch, L.in, L.eventIndex(), L.eventStarts());
}

// The arrivals listed by sample (`count` of them, by listBySample or from
// the source's list), regrouped by input: a counting sort that keeps each
// input's samples in increasing order.
std::size_t gatherArrivals(const Connection& L, std::size_t listed, GatherState& g) {
  const std::uint32_t count = static_cast<std::uint32_t>(listed);
  const std::uint32_t* index = L.eventIndex();
  const std::uint32_t* begin = L.eventStarts();
  g.list.count = 0;
  if (count == 0) return 0;
  std::uint32_t* cursor = g.cursor.data();
  std::fill(cursor, cursor + L.in, 0u);
  for (std::uint32_t e = 0; e < count; ++e) ++cursor[index[e]];
  std::uint32_t at = 0;
  std::size_t inputs = 0;
  for (std::size_t i = 0; i < L.in; ++i) {
    const std::uint32_t c = cursor[i];
    if (c == 0) continue;
    g.input[inputs] = static_cast<std::uint32_t>(i);
    g.start[inputs++] = at;
    cursor[i] = at;
    at += c;
  }
  g.start[inputs] = at;
  for (std::size_t b = 0; b < L.batch; ++b) {
    for (std::uint32_t e = begin[b]; e < begin[b + 1]; ++e) g.sample[cursor[index[e]]++] = static_cast<std::uint32_t>(b);
  }
  g.list.input = g.input.data();
  g.list.start = g.start.data();
  g.list.sample = g.sample.data();
  g.list.count = inputs;
  return count;
}

bool gathers(const Connection& L) { return L.mode == ConnectionMode::Current && !L.delays && L.batch >= 2; }

// One step of a connection (runtime/network.cpp's stepConnection, with the kernel choice):
// this step's presynaptic spikes (`spikes`, `trace`: the source's as they are
// now) into the ring, the arrivals listed, the kernel over the outputs split
// across the pool, the ring moved on a row. `given`: the source's list of
// step j (listed_input.hpp), which is what arrives when the delay is 0, and
// (after a call's first step) what a one-row ring changes by.
void stepEdge(PlanConnection& c, const std::uint8_t* spikes, const float* trace, float* result, GatherState& g,
              const ListedInput* given = nullptr, std::size_t j = 0) {
  Connection& L = c.link;
  const std::size_t sent = L.batch * L.in;
  if (given && L.rows == 1 && j > 0) {
    given->moveRows(j, 0, L.batch, c.ring);  // the one row holds step j - 1's spikes, written here
  } else {
    std::memcpy(c.ring + L.head * sent, spikes, sent);
  }
  L.result = result;
  double work = static_cast<double>(sent) * static_cast<double>(L.out);
  if (L.mode == ConnectionMode::Current) {
    // The clock is read only on the trial steps that time the two kernels.
    const bool timed = gathers(L) && g.trials < kTrialSteps;
    const auto started = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    std::size_t events = L.delays ? L.listArrivals()
                         : given    ? given->copyLists(j, 0, L.batch, L.eventIndex(), L.eventStarts())
                                    : listBySample(L);
    L.gathered = nullptr;
    if (gathers(L) && g.byInput()) {
      events = gatherArrivals(L, events, g);  // listed by sample first, then regrouped
      L.gathered = &g.list;
    }
    c.listed = L.delays ? PlanConnection::kNotListed : events;
    work = static_cast<double>(events) * static_cast<double>(L.out);
    runConnectionKernel(L, work);
    if (timed) {
      g.seconds[L.gathered ? 1 : 0] += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      ++g.trials;
    }
  } else {
    L.traceIn = trace;
    runConnectionKernel(L, work);
  }
  L.head = (L.head + 1) % L.rows;
}

void copyTap(const NetworkPlan& plan, const PlanTap& tap, std::size_t j) {
  const Layer& L = plan.layers[tap.layer].layer;
  if (tap.variable == TapVariable::SpikeCounts) {
    addSpikeCounts(L.spikes, L.n, static_cast<std::uint32_t*>(tap.out));
    return;
  }
  if (tap.variable == TapVariable::Spikes) {
    std::memcpy(static_cast<std::uint8_t*>(tap.out) + j * L.n, L.spikes, L.n);
    return;
  }
  const float* from = tap.variable == TapVariable::VCell    ? L.v
                      : tap.variable == TapVariable::Trace  ? L.trace
                      : tap.variable == TapVariable::Thresh ? L.thresh
                      : tap.variable == TapVariable::Theta  ? L.theta
                                                            : L.refracCounts;
  std::memcpy(static_cast<float*>(tap.out) + j * L.n, from, L.n * sizeof(float));
}

}  // namespace

std::size_t runPlan(NetworkPlan& plan, std::uint64_t first, std::size_t steps) {
  std::vector<GatherState> gather(plan.connections.size());
  for (std::size_t c = 0; c < plan.connections.size(); ++c) {
    const Connection& L = plan.connections[c].link;
    if (!gathers(L)) continue;
    gather[c].input.resize(L.in);
    gather[c].start.resize(L.in + 1);
    gather[c].cursor.resize(L.in);
    gather[c].sample.resize(L.batch * L.in);
  }
  std::vector<LatencyState> latency(plan.layers.size());
  std::vector<BernoulliLive> poisson(plan.layers.size());
  for (std::size_t k = 0; k < plan.layers.size(); ++k) {
    const PlanLayer& p = plan.layers[k];
    if (p.source.kind == SourceKind::Latency) latency[k].offsets.resize(p.layer.n);
    if (p.source.kind == SourceKind::Poisson) {
      listLive(p.source.thresholds, p.source.perSample, p.source.shared ? 1 : p.batch, poisson[k]);
    }
  }

  auto encode = [&](std::size_t k, std::uint64_t t) {
    const PlanLayer& p = plan.layers[k];
    if (p.source.kind == SourceKind::Poisson) encodePoisson(p, poisson[k], static_cast<std::uint32_t>(t));
    if (p.source.kind == SourceKind::Latency) encodeLatency(p, latency[k], static_cast<std::uint32_t>(t));
  };
  // Samples [b0, b1) of input layer k at step t, on this thread: Poisson
  // sources (each sample's draws depend on its own counter only) and layers
  // without a source; a latency encoder lays out a window for every sample at once.
  auto encodeSamples = [&](std::size_t k, std::uint64_t t, std::size_t b0, std::size_t b1) {
    const PlanLayer& p = plan.layers[k];
    if (p.source.kind == SourceKind::Latency) return false;
    if (p.source.kind == SourceKind::Poisson && b1 > b0) encodePoissonSamples(p, poisson[k], static_cast<std::uint32_t>(t), b0, b1);
    return true;
  };
  auto edge = [&](std::size_t c, const std::uint8_t* spikes, const float* trace, float* result) {
    stepEdge(plan.connections[c], spikes, trace, result, gather[c]);
  };
  auto progress = [&](std::size_t done) {
    if (plan.control) storeShared(plan.control + 1, static_cast<std::int32_t>(std::min<std::size_t>(done, 0x7fffffff)));
  };

  if (plan.hook.start) plan.hook.start(plan.hook.context, plan, first);
  std::size_t j = 0;
  // Blocks of steps, layer by layer (blocks.hpp), where the plan allows them.
  const std::size_t block = std::min(blockStepsFor(plan), steps);
  BlockSteps calls;
  std::tuple<decltype(encode)*, decltype(edge)*, decltype(encodeSamples)*> all(&encode, &edge, &encodeSamples);
  using All = decltype(all);
  calls.context = &all;
  calls.encode = [](void* c, std::size_t k, std::uint64_t t) { (*std::get<0>(*static_cast<All*>(c)))(k, t); };
  calls.edge = [](void* c, std::size_t i, const std::uint8_t* spikes, const float* trace, float* result) {
    (*std::get<1>(*static_cast<All*>(c)))(i, spikes, trace, result);
  };
  calls.encodeSamples = [](void* c, std::size_t k, std::uint64_t t, std::size_t b0, std::size_t b1) {
    return (*std::get<2>(*static_cast<All*>(c)))(k, t, b0, b1);
  };
  if (block > 0) {
    BlockRunner runner(plan, block, calls, steps);
    while (j < steps && !(plan.control && loadShared(plan.control) != 0)) {
      const std::size_t count = std::min(block, steps - j);
      runner.run(first + j, j, count);
      progress(j += count);
    }
  }
  // Step by step: input layers by their lists of spikes where the bits
  // allow (listed_input.hpp), each step in one fork/join by samples where it
  // pays (plan_samples.hpp).
  std::vector<std::unique_ptr<ListedInput>> listed(plan.layers.size());
  std::vector<const ListedInput*> given(plan.connections.size(), nullptr);  // a connection's arrivals: its source's list
  for (std::size_t k = 0; k < plan.layers.size() && block == 0 && steps > 0; ++k) {
    if (ListedInput::suits(plan.layers[k])) listed[k] = std::make_unique<ListedInput>(plan.layers[k], poisson[k]);
  }
  for (std::size_t c = 0; c < plan.connections.size(); ++c) {
    const Connection& L = plan.connections[c].link;
    if (L.mode == ConnectionMode::Current && !L.delays && L.delay == 0) given[c] = listed[plan.connections[c].from].get();
  }
  const std::size_t threads = ThreadPool::instance().threads();
  std::unique_ptr<SampleSplitStep> split;
  if (block == 0 && steps > 0 && SampleSplitStep::suits(plan, calls, threads)) {
    split = std::make_unique<SampleSplitStep>(plan, calls, threads, listed, given);
  }
  for (; j < steps && block == 0; ++j) {
    if (plan.control && loadShared(plan.control) != 0) break;
    const std::uint64_t t = first + j;
    if (split) {
      split->step(t, j);
      for (const PlanTap& tap : plan.taps) {
        if (tap.variable != TapVariable::SpikeCounts) copyTap(plan, tap, j);
      }
      if (plan.hook.afterStep) plan.hook.afterStep(plan.hook.context, plan, t);
      progress(j + 1);
      continue;
    }
    for (std::size_t k = 0; k < plan.layers.size(); ++k) {
      PlanLayer& p = plan.layers[k];
      if (p.input) {
        encode(k, t);
        if (listed[k]) {
          listed[k]->step(p, j, 0, p.batch);
          continue;
        }
        Drive drive;
        drive.bytes = p.x;
        stepLayerParallel(p.layer, drive);
        continue;
      }
      clearCurrent(p);
      for (std::size_t c : p.incoming) {
        PlanConnection& conn = plan.connections[c];
        const Layer& from = plan.layers[conn.from].layer;
        stepEdge(conn, from.spikes, from.trace, p.current, gather[c], given[c], j);
        if (conn.keptTrace) std::memcpy(conn.keptTrace, from.trace, conn.link.batch * conn.link.in * sizeof(float));
      }
      const CurrentDrive drive(p, p.current);
      stepLayerParallel(p.layer, drive.drive);
    }
    for (std::size_t k = 0; k < plan.layers.size(); ++k) addLayerCounts(plan.layers[k], listed[k].get(), j, 0, plan.layers[k].batch);
    for (const PlanTap& tap : plan.taps) copyTap(plan, tap, j);
    if (plan.hook.afterStep) plan.hook.afterStep(plan.hook.context, plan, t);
    progress(j + 1);
  }
  if (plan.hook.finish) plan.hook.finish(plan.hook.context, plan, j);

  for (const PlanConnection& c : plan.connections) {
    const double head = static_cast<double>(c.link.head);
    std::memcpy(c.headSlot, &head, sizeof(double));
  }
  return j;
}

}  // namespace spiking
