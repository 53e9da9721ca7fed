// What a connection kernel sees: plain pointers into a connection slab and
// the caller's output, valid for one call. Built and checked by the N-API
// layer (binding/connections.cpp); the runtime (runtime/connection_step.cpp)
// and the kernels trust it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "connection_layout.hpp"

namespace spiking {

// The arrivals of one step listed by input rather than by sample (the
// engine's plan, native/runtime/plan.cpp): input[j] (increasing) arrives in
// the samples sample[start[j]] .. sample[start[j + 1] - 1] (increasing), so a
// kernel reads each weight row once for the whole batch. Only without
// per-synapse delays.
struct Gathered {
  const std::uint32_t* input = nullptr;
  const std::uint32_t* start = nullptr;   // count + 1 entries
  const std::uint32_t* sample = nullptr;
  std::size_t count = 0;                  // inputs listed
};

// Where data starts against the cache lines (p float-aligned): the floats
// from the 64-byte boundary at or before p to p, and from p to the boundary
// at or after it.
inline std::size_t floatsPastLine(const float* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 / sizeof(float); }
inline std::size_t floatsToLine(const float* p) {
  constexpr std::size_t kLine = 64 / sizeof(float);
  return (kLine - floatsPastLine(p)) % kLine;
}

struct Connection {
  std::size_t batch = 0, in = 0, out = 0;
  std::size_t stride = 0;  // floats per row of `weights` and `delays`, a multiple of kConnectionPad
  std::size_t rows = 1;    // ring rows: maxDelay + 1
  std::size_t head = 0;    // ring row holding this step's presynaptic spikes (already written)
  std::size_t delay = 0;   // the delay of every synapse when `delays` is null
  const float* weights = nullptr;  // [in][stride]: weight (o, i) at [i][o], padding 0
  const float* delays = nullptr;   // [in][stride] whole steps, or null
  std::uint8_t* ring = nullptr;  // [rows][batch][in]
  std::uint32_t* events = nullptr;     // scratch: eventEntries() (connection_layout.hpp)
  ConnectionMode mode = ConnectionMode::Current;
  float* result = nullptr;  // Current, Difference: [batch][out]; Products: [batch][out][in]
  std::size_t oBegin = 0, oEnd = 0;  // the outputs this call computes
  const float* traceIn = nullptr;  // Difference: presynaptic trace, [batch][in]
  const Gathered* gathered = nullptr;  // Current: the arrivals by input, when listed (else by sample)

  // Arrivals a step can have over the batch (connection_layout.hpp).
  std::size_t eventCapacity() const {
    return static_cast<std::size_t>(spiking::eventCapacity(static_cast<double>(batch), static_cast<double>(in),
                                                           static_cast<double>(rows), delays != nullptr));
  }

  // Words of `events`: eventCapacity() input indices, as many lags, then
  // the batch + 1 starts of the samples' lists.
  std::size_t eventWords() const { return 2 * eventCapacity() + batch + 1; }

  // Floats from the 64-byte boundary before `weights` to it: every row's
  // offset from a cache line (rows are a multiple of kConnectionPad floats
  // long). The kernel lays its tiles and the pool splits the outputs from there.
  std::size_t lineOffset() const { return floatsPastLine(weights); }

  // Bytes of the weight rows (in rows of stride floats).
  double weightBytes() const { return static_cast<double>(in) * static_cast<double>(stride) * sizeof(float); }

  // The spikes of sample b that were sent `lag` steps ago.
  const std::uint8_t* sent(std::size_t lag, std::size_t b) const {
    return ring + ((head + rows - lag) % rows) * batch * in + b * in;
  }

  // The scratch: arriving inputs, their lags, and where each sample's begin.
  std::uint32_t* eventIndex() const { return events; }
  std::uint32_t* eventLag() const { return events + eventCapacity(); }
  std::uint32_t* eventStarts() const { return events + 2 * eventCapacity(); }

  // Lists the inputs whose spikes arrive now, per sample in increasing order,
  // with the lag each arrived from (per-synapse delays: one entry per lag).
  // Returns how many arrived over the batch. Runs once per step, before the
  // outputs are split across threads.
  std::size_t listArrivals() const {
    std::uint32_t* index = eventIndex();
    std::uint32_t* lag = eventLag();
    std::uint32_t* start = eventStarts();
    std::uint32_t count = 0;
    for (std::size_t b = 0; b < batch; ++b) {
      start[b] = count;
      if (!delays) {
        const std::uint8_t* row = sent(delay, b);
        for (std::size_t i = 0; i < in; ++i) {
          if (row[i]) index[count++] = static_cast<std::uint32_t>(i);
        }
        continue;
      }
      for (std::size_t i = 0; i < in; ++i) {
        for (std::size_t d = 0; d < rows; ++d) {
          if (sent(d, b)[i]) {
            index[count] = static_cast<std::uint32_t>(i);
            lag[count++] = static_cast<std::uint32_t>(d);
          }
        }
      }
    }
    start[batch] = count;
    return count;
  }
};

}  // namespace spiking
