// Blocked, layer-wise execution of a network plan (plan.hpp): a block of B
// steps runs layer by layer instead of step by step, so a connection adds the
// arrivals of all B steps and all samples of the block while one tile of its
// weight rows is in cache (kernels/connection.hpp walks the outputs a tile at
// a time and, within a tile, every list of arrivals), instead of reading the
// tile again every step.
//
// The bits are those of stepping (runPlan's step loop): every value is still
// the same float32 operations in the same order (per output: connections in
// the order they were connected, inputs in increasing order), only computed
// earlier. What allows it is the graph: a layer's input at step t needs its
// sources' spikes of step t - lag, where lag = delay for a source added
// before it and delay + 1 otherwise (a feedback edge reads the previous
// step). So:
//   - layers run in the order they were added, each through the whole block,
//     except where a feedback edge (onto an earlier layer) has lag < B: the
//     layers it spans form one range that runs in chunks of at most that lag,
//     each chunk layer by layer (lag 1: strictly interleaved, step by step);
//   - within a layer's chunk, its leading incoming connections whose inputs
//     are all known before the chunk (Current mode, one delay for every
//     synapse, not `stepwise`; a self-loop only when its lag covers the
//     chunk) add the whole chunk at once; the rest add step by step, in
//     connection order, just before the layer steps (per-synapse delays and
//     FedeNeuron targets keep their step-wise kernels);
//   - the spikes of each layer over the block are kept (row 0: before it),
//     and the traces of layers that feed a FedeNeuron; taps are written from
//     them; connection rings are brought up to date at the end of the block.
// A block never crosses a call (a flush of recorders and onStep) and the
// stop request (NetworkPlan::control) is read between blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "plan.hpp"

namespace spiking {

// The most steps a block may have, and the memory its scratch may take when
// the size is chosen automatically.
constexpr std::size_t kMaxBlockSteps = 64;
constexpr std::size_t kAutoBlockSteps = 16;
constexpr double kBlockScratchBytes = 64.0 * 1024 * 1024;

// A blocked connection whose weights take more than kPackFromBytes (beyond a
// core's L2) and that has kPackFromInputs inputs or more is added from a copy
// of its weights packed by columns of kPackWidth outputs: the kernel walks
// one column of outputs at a time, and the rows of a column then lie next to
// each other (kPackWidth floats each) instead of one weight row (10 KB at
// 2,500 inputs) apart; it walks them in chunks of inputs (rows that close
// together: kernels/connection.hpp's kAdjacentStride), each chunk one stretch
// of memory that stays in L1 while every list of the block adds from it. At
// 1,000 inputs the packed copy once ran 4-6% slower, walked without chunks;
// with them (and each list's place in a chunk found by a vector compare),
// 1,000 neurons ran 1.11-1.18x recurrent and 0.97-1.13x feed-forward, one and
// two threads (2026-12-04, 21:05 UTC). The copy is made from a
// call's first block when the call has at least kPackFromSteps steps (the
// copy costs about one pass over the weights: at 2,500 x 2,500, 5-10 ms,
// what 10-20 steps gain; shorter calls never pay it) and is dropped with
// the call; the weights cannot change during a call (a blocked connection
// has no learning rule).
constexpr std::size_t kPackWidth = 64;
constexpr double kPackFromBytes = 2.0 * 1024 * 1024;
constexpr std::size_t kPackFromInputs = 512;
constexpr std::size_t kPackFromSteps = 64;

// SPIKING_BLOCK_STEPS forces the block size (tests, benchmarks): a whole
// number from 1 to kMaxBlockSteps. What is wrong with it, or "" when it is
// unset, empty or valid (the addon refuses to load while it is wrong).
std::string blockStepsVariableProblem();

// The forced block size, 0 for automatic: SPIKING_BLOCK_STEPS at load, then
// whatever forceBlockSteps set last (process-wide, every thread).
std::size_t forcedBlockSteps();
void forceBlockSteps(std::size_t steps);  // 0: automatic; at most kMaxBlockSteps

// The block size for this plan: the forced one when set, else the
// largest up to kAutoBlockSteps whose scratch fits kBlockScratchBytes; 0 when
// the plan must step one step at a time (a learning hook, or a `stepwise`
// connection: weights that change during the run, or a kept trace).
std::size_t blockStepsFor(const NetworkPlan& plan);

// Lists the nonzero bytes of row[0, in) into index from `count` on, in
// increasing order (index has room for count + in entries), with the active
// instruction set's scanner (kernels/arrivals.hpp); returns the new count.
std::size_t listSpikes(const std::uint8_t* row, std::size_t in, std::uint32_t* index, std::size_t count);
// listSpikes over `batch` consecutive rows of `in` bytes (a ring row's
// samples): row b's indices from starts[b] on, starts[batch] the total.
std::size_t listRows(const std::uint8_t* rows, std::size_t batch, std::size_t in, std::uint32_t* index,
                     std::uint32_t* starts);

// What runPlan provides for the parts that are the same as in its step loop.
struct BlockSteps {
  void* context = nullptr;
  // Writes step t's input of input layer k (its encoder; nothing without one) into its x.
  void (*encode)(void* context, std::size_t k, std::uint64_t t) = nullptr;
  // The same for samples [b0, b1) only, on the calling thread (other threads
  // encode other samples at once); false when layer k's encoder cannot
  // (b0 == b1: only whether it can).
  bool (*encodeSamples)(void* context, std::size_t k, std::uint64_t t, std::size_t b0, std::size_t b1) = nullptr;
  // The step of connection c as the step loop runs it: `sent` written into
  // its ring, the arrivals added into `result`, the ring moved on a row;
  // `trace`: the presynaptic trace at that moment (FedeNeuron targets).
  void (*edge)(void* context, std::size_t c, const std::uint8_t* sent, const float* trace, float* result) = nullptr;
};

class BlockRunner {
 public:
  // Scratch for blocks of up to `blockSteps` steps (allocated here, once), for
  // a call of `callSteps` steps.
  BlockRunner(NetworkPlan& plan, std::size_t blockSteps, BlockSteps steps, std::size_t callSteps);
  // Runs steps [t0, t0 + count) (count <= blockSteps); they are steps
  // [j0, j0 + count) of the call, which is where the taps write them.
  void run(std::uint64_t t0, std::size_t j0, std::size_t count);

 private:
  struct Range {
    std::size_t first = 0, last = 0;  // layers [first, last]
    std::size_t chunk = 0;            // steps per chunk
  };
  struct Edge {
    bool blocked = false;  // Current, one delay, not stepwise: added from the kept spikes
    bool forward = false;  // source added before the target: reads its spikes of the same step
    std::size_t lag = 0;   // steps between a spike and the step it is added in
    std::unique_ptr<std::uint32_t[]> events;  // blocked: the kernel's scratch for blockSteps x batch lists
    bool packs = false;         // blocked, weights over kPackFromBytes, a call of kPackFromSteps or more: added from `packed`
    std::vector<float> packed;  // holds the weights by columns of kPackWidth outputs (pack), from packedAt
    float* packedAt = nullptr;  // the first 64-byte boundary in packed: the kernel's loads split no cache line
  };

  const std::uint8_t* sentRow(std::size_t c, std::size_t j, std::size_t b) const;
  void addBlocked(std::size_t c, std::size_t s, std::size_t e, float* current);
  void stepLayer(std::size_t k, std::size_t j, bool part = false, std::size_t begin = 0, std::size_t end = 0);
  void addSamples(std::size_t c, std::size_t j, std::size_t b0, std::size_t b1, float* current,
                  std::uint32_t* events) const;
  bool splitChunk(std::size_t k, std::size_t s, std::size_t e, std::size_t lead);
  bool stepChunk(std::size_t k, std::size_t s, std::size_t e);
  void stepSamples(std::size_t k, std::size_t j, std::size_t b0, std::size_t b1);
  void pack(std::size_t c);
  void runLayer(std::size_t k, std::size_t s, std::size_t e);
  void finish();

  NetworkPlan& plan_;
  std::size_t max_;
  BlockSteps steps_;
  std::vector<Range> ranges_;
  std::vector<Edge> edges_;
  std::vector<std::vector<std::uint8_t>> spikes_;  // per layer: (max + 1) x n, row 0 before the block
  std::vector<std::vector<float>> traces_;         // per layer feeding a FedeNeuron: (max + 1) x n
  std::vector<std::vector<float>> current_;        // per neuron layer: max x n
  std::vector<std::vector<int>> primary_;          // per layer and RecordId: the tap it records into, or -1
  std::vector<std::vector<std::uint32_t>> events_;  // per part of splitChunk: its arrival lists
  std::vector<std::uint8_t> counted_;  // per layer, (max + 1) rows: whether a split chunk counted row j's spikes
  std::uint64_t t0_ = 0;
  std::size_t j0_ = 0, count_ = 0;
  bool packed_ = false;  // whether the connections that pack have (this call)
};

}  // namespace spiking
