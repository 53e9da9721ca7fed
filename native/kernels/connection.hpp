// connectionStep<Arch>: one step of a Linear connection (PySNN's pysnn.connection
// Linear) for the outputs [oBegin, oEnd), arch-generic; instantiated by each
// native/isa/*.cpp and picked through the dispatcher's InstructionSet table.
// The caller splits the outputs across threads (each output's arithmetic is
// the same whatever the split). The spikes that arrive now (sent `delay`
// steps ago) are read from the ring, and:
//
//   Current     out[b][o] += W[o][i] for each input i that arrives, in
//               increasing i: event driven (only the weights of inputs that
//               spiked are read, from the list Connection::listArrivals made), a
//               vector of outputs at a time. Each add is one float32
//               operation; nothing is added for silent inputs.
//   Products    out[b][o][i] = W[o][i] * s[b][i]: PySNN's activation
//               potential, the layout (*cellsShape, k = in) that a neuron folds.
//   Difference  out[b][o] += (W[o][i] * s[b][i]) - traceIn[b][i], in
//               increasing i: the fold that FedeNeuron applies to PySNN's
//               (activation, trace) pair, one float32 operation per step.
//
// With per-synapse delays, synapse (o, i) takes the spike of input i sent
// delays[i][o] steps ago. Arithmetic follows the build's -ffp-contract=off.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "vector_loop.hpp"
#include "../abi/connection_view.hpp"

#if defined(_MSC_VER)
#include <intrin.h>
#endif

namespace spiking {
namespace kernel {

// Whether the instruction set loads and stores the lanes of a vector under a
// mask: AVX-512's masked moves neither read nor write the lanes outside it
// (nor fault on them). A tile's first and last vectors, which may hold lanes
// of other outputs, then load and store in place, without withRow's copy.
template <class A>
constexpr bool maskedLanes(const xsimd::generic&) {
  return false;
}
template <class A>
inline Batch<A> loadLanes(const float* p, std::uint64_t, const xsimd::generic&) {
  return Batch<A>::load_unaligned(p);  // never called: maskedLanes is false
}
template <class A>
inline void storeLanes(float* p, const Batch<A>& v, std::uint64_t, const xsimd::generic&) {
  v.store_unaligned(p);  // never called: maskedLanes is false
}
#if XSIMD_WITH_AVX512F
template <class A>
constexpr bool maskedLanes(const xsimd::avx512f&) {
  return true;
}
template <class A>
inline Batch<A> loadLanes(const float* p, std::uint64_t mask, const xsimd::avx512f&) {
  return _mm512_maskz_loadu_ps(static_cast<__mmask16>(mask), p);
}
template <class A>
inline void storeLanes(float* p, const Batch<A>& v, std::uint64_t mask, const xsimd::avx512f&) {
  _mm512_mask_storeu_ps(p, static_cast<__mmask16>(mask), v);
}
#endif

// K vectors of outputs: acc += the arriving weights, event by event. The
// vectors start `lead` lanes before output o0 (lanes of other outputs, added
// and thrown away by the caller: aligned loads, see alignedLead). Masked
// (maskedLanes only): `first` and `last` are the lanes of the first and last
// vector that dst's sums are read from and written to (the others are
// outputs of this tile's neighbours or beyond the row). Unmasked, they are
// not read: that instantiation is the plain loop (a runtime check of the
// masks there cost 5-13% at 2,500 neurons).
template <class A, std::size_t K, bool Masked = false>
inline void accumulateTile(const Connection& L, float* dst, std::size_t o0, std::size_t lead,
                           const std::uint32_t* index, const std::uint32_t* lag, std::size_t events,
                           std::uint64_t first = 0, std::uint64_t last = 0) {
  using B = Batch<A>;
  constexpr std::size_t W = B::size;
  constexpr std::uint64_t kAll = ~std::uint64_t{0};
  auto lanesOf = [&](std::size_t k) { return (k == 0 ? first : kAll) & (k == K - 1 ? last : kAll); };
  // Vector k of the running sums, read and written in place (under its lanes when masked).
  auto loadSum = [&](std::size_t k) {
    if constexpr (Masked && maskedLanes<A>(A{})) {
      if (lanesOf(k) != kAll) return loadLanes<A>(dst + k * W, lanesOf(k), A{});
    }
    return B::load_unaligned(dst + k * W);
  };
  auto storeSum = [&](std::size_t k, const B& v) {
    if constexpr (Masked && maskedLanes<A>(A{})) {
      if (lanesOf(k) != kAll) return storeLanes<A>(dst + k * W, v, lanesOf(k), A{});
    }
    v.store_unaligned(dst + k * W);
  };
  B acc[K];
  for (std::size_t k = 0; k < K; ++k) acc[k] = loadSum(k);
  const float* weights = L.weights + o0 - lead;
  if (!L.delays) {
    // No software prefetch of the rows ahead: with the loads on whole lines
    // the prefetches only took load slots (dropping them: 3-10% more steps
    // per second at 1,000-4,000 neurons, one and two threads, 16:12 UTC).
    for (std::size_t e = 0; e < events; ++e) {
      const float* w = weights + index[e] * L.stride;
      for (std::size_t k = 0; k < K; ++k) acc[k] = acc[k] + B::load_unaligned(w + k * W);
    }
  } else {
    const float* delays = L.delays + o0 - lead;
    for (std::size_t e = 0; e < events; ++e) {
      const float* w = weights + index[e] * L.stride;
      const float* d = delays + index[e] * L.stride;
      const B arrived(static_cast<float>(lag[e]));
      for (std::size_t k = 0; k < K; ++k) {
        acc[k] = xsimd::select(B::load_unaligned(d + k * W) == arrived,
                               acc[k] + B::load_unaligned(w + k * W), acc[k]);
      }
    }
  }
  for (std::size_t k = 0; k < K; ++k) storeSum(k, acc[k]);
}

// Difference mode for K vectors of outputs from o0, every input in order.
template <class A, std::size_t K>
inline void differenceTile(const Connection& L, std::size_t b, float* dst, std::size_t o0) {
  using B = Batch<A>;
  constexpr std::size_t W = B::size;
  B acc[K];
  for (std::size_t k = 0; k < K; ++k) acc[k] = B::load_unaligned(dst + k * W);
  const float* trace = L.traceIn + b * L.in;
  for (std::size_t i = 0; i < L.in; ++i) {
    const float* w = L.weights + i * L.stride + o0;
    const B t(trace[i]);
    if (!L.delays) {
      const B s(L.sent(L.delay, b)[i] ? 1.0f : 0.0f);
      for (std::size_t k = 0; k < K; ++k) acc[k] = acc[k] + ((B::load_unaligned(w + k * W) * s) - t);
      continue;
    }
    const float* d = L.delays + i * L.stride + o0;
    for (std::size_t k = 0; k < K; ++k) {
      const B lags = B::load_unaligned(d + k * W);
      B s(0.0f);
      for (std::size_t lag = 0; lag < L.rows; ++lag) {
        if (L.sent(lag, b)[i]) s = xsimd::select(lags == B(static_cast<float>(lag)), B(1.0f), s);
      }
      acc[k] = acc[k] + ((B::load_unaligned(w + k * W) * s) - t);
    }
  }
  for (std::size_t k = 0; k < K; ++k) acc[k].store_unaligned(dst + k * W);
}

// Calls f(std::integral_constant<std::size_t, K>) for a runtime K of 1 to 8
// (a tile's vector count as a compile-time size).
template <class F>
inline void withVectors(std::size_t k, F f) {
  switch (k) {
    case 8: return f(std::integral_constant<std::size_t, 8>{});
    case 7: return f(std::integral_constant<std::size_t, 7>{});
    case 6: return f(std::integral_constant<std::size_t, 6>{});
    case 5: return f(std::integral_constant<std::size_t, 5>{});
    case 4: return f(std::integral_constant<std::size_t, 4>{});
    case 3: return f(std::integral_constant<std::size_t, 3>{});
    case 2: return f(std::integral_constant<std::size_t, 2>{});
    case 1: return f(std::integral_constant<std::size_t, 1>{});
    default: return;
  }
}

// Vectors per tile: each arriving row's loads feed 8 independent running
// sums, twice as many as the 4 an add's latency allowed to overlap before
// (bench:network, one thread: 2-8% more steps per second at 250 and 1,000
// neurons, the same at 2,500; 15:23 UTC 2026-12-04, interleaved runs).
constexpr std::size_t kTile = 8;

// Splits the outputs [begin, end) into whole tiles of kTile vectors, then
// one tile of the 1 to kTile - 1 whole vectors left, then a last partial
// vector; calls tile(K, o0, count) for each, where K is the tile's vector
// count and count the outputs it covers (< K * W only for the partial
// vector, which only the layer's end has). The whole vectors left go as one
// tile, not one by one: a pass over the arrivals costs about the same for 1
// vector as for 4 (at 250 outputs and 16 lanes, 3 single-vector passes took
// 15% of a one-thread step).
template <class A, class Tile>
inline void overOutputs(std::size_t begin, std::size_t end, Tile tile) {
  constexpr std::size_t W = Batch<A>::size;
  std::size_t o = begin;
  for (; o + kTile * W <= end; o += kTile * W) tile(std::integral_constant<std::size_t, kTile>{}, o, kTile * W);
  const std::size_t left = (end - o) / W * W;
  withVectors((left + W - 1) / W, [&](auto k) { tile(k, o, left); });
  o += left;
  if (o < end) tile(std::integral_constant<std::size_t, 1>{}, o, end - o);
}

// The lanes before output `begin` in its vector when the vectors are laid
// from an aligned weight address: every row of `weights` starts at the same
// offset from a vector boundary (rows are a multiple of kConnectionPad floats
// apart), so loading a vector from there never splits a cache line. Weights
// a JavaScript ArrayBuffer holds start 16 bytes past a 64-byte boundary
// (glibc's allocator), so without this every AVX-512 load of a row touched
// two lines. The lanes before the first output read the row's neighbours
// (the slab's header before row 0), always memory of the same buffer.
template <class A>
inline std::size_t alignedLead(const Connection& L, std::size_t begin) {
  constexpr std::size_t W = Batch<A>::size;
  static_assert(64 / sizeof(float) % W == 0, "a vector boundary is every line boundary's too");
  return (L.lineOffset() + begin) % W;
}

// Walks [begin, end) in tiles on the grid of vectors that starts `lead`
// lanes before begin: whole tiles of kTile vectors, then one tile of the
// vectors left (the last of them partial when the layer's end is not on the
// grid); calls tile(K, o0, count, lead) for each, with the first tile's lead
// and 0 after it.
template <class A, class Tile>
inline void overAlignedOutputs(std::size_t begin, std::size_t end, std::size_t lead, Tile tile) {
  constexpr std::size_t W = Batch<A>::size;
  std::size_t o = begin;
  while (o < end) {
    const std::size_t lanes = lead + (end - o);
    if (lanes < kTile * W) return withVectors((lanes + W - 1) / W, [&](auto k) { tile(k, o, end - o, lead); });
    tile(std::integral_constant<std::size_t, kTile>{}, o, kTile * W - lead, lead);
    o += kTile * W - lead;
    lead = 0;
  }
}

// Runs body, a tile of K vectors, on `count` floats at row, which start
// `lead` lanes into the tile's first vector (lead + count <= K * W): in place
// for whole vectors; otherwise on a zero-padded copy, so no second, scalar
// version exists. The copy holds K vectors: the compiler sees every
// instantiation's loads within it (GCC's -Warray-bounds in the ASan build).
template <class A, std::size_t K, class Body>
inline void withRow(float* row, std::size_t count, Body body, std::size_t lead = 0) {
  constexpr std::size_t W = Batch<A>::size;
  if (lead == 0 && count % W == 0) return body(row);
  alignas(64) float padded[K * W] = {};
  std::memcpy(padded + lead, row, count * sizeof(float));
  body(padded);
  std::memcpy(row, padded + lead, count * sizeof(float));
}

// The arrivals listed by input (Connection::gathered): for K vectors of
// outputs from o0, each arriving input's weights are loaded once and added to
// the outputs of every sample it arrives in. Per sample and output the adds
// come in increasing input order, one float32 add each, as in accumulateTile;
// the partial vector at the layer's end takes the same adds one lane at a time.
template <class A, std::size_t K>
inline void gatheredTile(const Connection& L, std::size_t o0, std::size_t count) {
  using B = Batch<A>;
  constexpr std::size_t W = B::size;
  const Gathered& g = *L.gathered;
  constexpr std::size_t kAhead = 4;
  if (count == K * W) {
    for (std::size_t j = 0; j < g.count; ++j) {
      if (j + kAhead < g.count) {
        const float* next = L.weights + g.input[j + kAhead] * L.stride + o0;
        for (std::size_t k = 0; k < K * W; k += 16) prefetch(next + k);
      }
      const float* w = L.weights + g.input[j] * L.stride + o0;
      B row[K];
      for (std::size_t k = 0; k < K; ++k) row[k] = B::load_unaligned(w + k * W);
      for (std::uint32_t s = g.start[j]; s < g.start[j + 1]; ++s) {
        float* dst = L.result + g.sample[s] * L.out + o0;
        for (std::size_t k = 0; k < K; ++k) (B::load_unaligned(dst + k * W) + row[k]).store_unaligned(dst + k * W);
      }
    }
    return;
  }
  for (std::size_t j = 0; j < g.count; ++j) {
    const float* w = L.weights + g.input[j] * L.stride + o0;
    for (std::uint32_t s = g.start[j]; s < g.start[j + 1]; ++s) {
      float* dst = L.result + g.sample[s] * L.out + o0;
      for (std::size_t o = 0; o < count; ++o) dst[o] = dst[o] + w[o];
    }
  }
}

// Bytes of weight rows (a tile's width each) that one chunk of inputs spans,
// about L1's size, and the inputs from which a tile is walked in chunks: with
// fewer, the tile's rows stay in L2 anyway and a chunk holds too few
// arrivals per list to pay for its extra loads and stores (measured with
// bench:network: at 2,500 inputs chunks gain 15-25%, at 1,000 they lose 5%).
constexpr std::size_t kChunkBytes = 48 * 1024;
constexpr std::size_t kChunkFromInputs = 2048;
// Below kChunkFromInputs, a tile is still walked in chunks when its lists
// are dense: at least this many arrivals per list in a chunk on average
// (a recurrent edge from a layer firing at 250-360 Hz, against 100 Hz
// inputs' 10 per chunk). A chunk's rows then stay near L1 for all the
// lists, and enough adds follow each list's loads and stores of its sums
// (a C++ loop of the kernel's shape, 1,000 rows, one input in 3 arriving:
// 27.7 against 25.5 G adds/s in chunks of 32 KB; one in 10: slower; in the
// engine, 1,000 recurrent on one thread: 1.03-1.09x with 48 KB, 0.92-1.11x
// with 32 KB).
constexpr std::size_t kDenseChunkArrivals = 16;
// Rows at most this many floats apart (runtime/blocks.hpp's packed columns)
// are walked in chunks from any number of inputs above a chunk's: a chunk's
// rows are one stretch of memory then, which stays in L1 for all the lists
// (rows a weight row apart, 4 KB at 1,000 outputs, do not: chunks of them
// ran 0.93-0.99x at 1,000 neurons).
constexpr std::size_t kAdjacentStride = 64;

// The first entry of index[e, end) at or past `bound` (a list's entries
// increase, so the ones before bound lead). With AVX-512 (AVX2) a window of
// 16 (8) indices is counted with one masked compare (the entries at or past
// `end` masked out, neither read nor faulting), and the next window taken
// only while a whole one is before bound: no branch per entry (bench:network,
// 2,500 neurons, one thread: 1.15-1.17x feed-forward, 1.09-1.10x recurrent).
// Elsewhere one entry at a time.
template <class A>
inline std::uint32_t firstAtOrPast(const std::uint32_t* index, std::uint32_t e, std::uint32_t end,
                                   std::uint32_t bound, const xsimd::generic&) {
  while (e < end && index[e] < bound) ++e;
  return e;
}
#if XSIMD_WITH_AVX2
// The set lanes of a compare's mask (one instruction on every AVX2 machine).
static inline unsigned setLanes(unsigned mask) {
#if defined(_MSC_VER) && !defined(__clang__)
  return __popcnt(mask);
#else
  return static_cast<unsigned>(__builtin_popcount(mask));
#endif
}
template <class A>
inline std::uint32_t firstAtOrPast(const std::uint32_t* index, std::uint32_t e, std::uint32_t end,
                                   std::uint32_t bound, const xsimd::avx2&) {
  // AVX2 compares signed: both sides with the sign bit flipped order as unsigned.
  const __m256i flip = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  const __m256i limit = _mm256_xor_si256(_mm256_set1_epi32(static_cast<int>(bound)), flip);
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  while (e < end) {
    const std::uint32_t left = end - e;
    const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left < 8 ? left : 8)), lanes);
    const __m256i window = _mm256_maskload_epi32(reinterpret_cast<const int*>(index + e), live);
    const __m256i less = _mm256_and_si256(live, _mm256_cmpgt_epi32(limit, _mm256_xor_si256(window, flip)));
    const unsigned before = setLanes(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(less))));
    e += before;
    if (before < 8) return e;
  }
  return e;
}
#endif
#if XSIMD_WITH_AVX512F
template <class A>
inline std::uint32_t firstAtOrPast(const std::uint32_t* index, std::uint32_t e, std::uint32_t end,
                                   std::uint32_t bound, const xsimd::avx512f&) {
  const __m512i limit = _mm512_set1_epi32(static_cast<int>(bound));
  while (e < end) {
    const std::uint32_t left = end - e;
    const __mmask16 live = left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    const __m512i window = _mm512_maskz_loadu_epi32(live, index + e);
    const unsigned before = setLanes(_mm512_mask_cmplt_epu32_mask(live, window, limit));
    e += before;
    if (before < 16) return e;
  }
  return e;
}
#endif

// One tile of K vectors of outputs from o0 (count outputs) for every list of
// the batch. Without per-synapse delays and when the tile's rows would not
// fit in L2 (kChunkFromInputs), the inputs go in chunks of rows (increasing), and each list adds
// its arrivals of a chunk before the next chunk: per output the adds still
// come in increasing input order, each rounded to float32 and the running
// sum kept in `result` between chunks, so the bits are those of one pass.
// Masked: a tile whose lanes are not all the row's (a lead, or a partial last
// vector) adds in place under masks (maskedLanes); else through withRow. Two
// instantiations, so the whole tiles' loop stays what it was (with the masked
// path inline in it, 2,500 neurons lost 5-13%).
// firstLanes and lastLanes: the masks of accumulateTile (Masked only).
template <class A, std::size_t K, bool Masked>
inline void tileLists(const Connection& L, std::size_t o0, std::size_t count, std::size_t lead, std::uint32_t* cursor,
                      std::uint64_t firstLanes = 0, std::uint64_t lastLanes = 0) {
  constexpr std::size_t W = Batch<A>::size;
  constexpr std::size_t kRows = kChunkBytes / (K * W * sizeof(float));
  const std::uint32_t* start = L.eventStarts();
  const std::uint32_t* index = L.eventIndex();
  const std::uint32_t* lag = L.eventLag();
  auto add = [&](std::size_t b, std::uint32_t e0, std::uint32_t e1) {
    float* row = L.result + b * L.out + o0;
    if constexpr (Masked) {
      accumulateTile<A, K, true>(L, row - lead, o0, lead, index + e0, lag + e0, e1 - e0, firstLanes, lastLanes);
    } else {
      withRow<A, K>(
          row, count, [&](float* dst) { accumulateTile<A, K>(L, dst, o0, lead, index + e0, lag + e0, e1 - e0); }, lead);
    }
  };
  const bool dense = static_cast<double>(start[L.batch]) * kRows >=
                     static_cast<double>(kDenseChunkArrivals) * static_cast<double>(L.batch) * static_cast<double>(L.in);
  const bool adjacent = L.stride <= kAdjacentStride;
  if (L.delays || L.in <= kRows || (L.in < kChunkFromInputs && !dense && !adjacent)) {
    for (std::size_t b = 0; b < L.batch; ++b) {
      if (start[b + 1] > start[b]) add(b, start[b], start[b + 1]);
    }
    return;
  }
  std::memcpy(cursor, start, L.batch * sizeof(std::uint32_t));
  const float* tileRows = L.weights + o0 - lead;
  for (std::size_t i1 = kRows;; i1 += kRows) {
    const bool last = i1 >= L.in;
    // Adjacent rows: the next chunk is the stretch of memory after this one;
    // its lines are fetched into L2 while this chunk is added, a share before
    // each list (from DRAM or L3 at 2,500 x 2,500: 1.24-1.33x recurrent on
    // one and two threads, 1.04-1.05x feed-forward; into L1 instead cost
    // 5-8% at 1,000 recurrent, where a column stays in L2 anyway).
    const std::size_t nextRows = adjacent && !last ? std::min(kRows, L.in - i1) : 0;
    const std::size_t lines = nextRows * L.stride * sizeof(float) / 64;
    const char* next = lines ? reinterpret_cast<const char*>(tileRows + i1 * L.stride) : nullptr;
    for (std::size_t b = 0; b < L.batch; ++b) {
      for (std::size_t l = lines * b / L.batch; l < lines * (b + 1) / L.batch; ++l) prefetch<2>(next + l * 64);
      const std::uint32_t e0 = cursor[b], end = start[b + 1];
      const std::uint32_t e = last ? end : firstAtOrPast<A>(index, e0, end, static_cast<std::uint32_t>(i1), A{});
      if (e > e0) add(b, e0, e);
      cursor[b] = e;
    }
    if (last) return;
  }
}

template <class A, std::size_t K>
inline void currentTile(const Connection& L, std::size_t o0, std::size_t count, std::size_t lead, std::uint32_t* cursor) {
  constexpr std::size_t W = Batch<A>::size;
  if constexpr (maskedLanes<A>(A{})) {
    if (lead != 0 || count % W != 0) {
      // Lanes [lead, lead + count) of the tile's K vectors are the row's: the
      // first vector's from lane lead, the last one's up to lane tail (1 to W).
      const std::size_t tail = lead + count - (K - 1) * W;
      const std::uint64_t firstLanes = ~std::uint64_t{0} << lead;
      const std::uint64_t lastLanes = tail == W ? ~std::uint64_t{0} : (std::uint64_t{1} << tail) - 1;
      return tileLists<A, K, true>(L, o0, count, lead, cursor, firstLanes, lastLanes);
    }
  }
  tileLists<A, K, false>(L, o0, count, lead, cursor);
}

// The arrivals are already listed (Connection::listArrivals); walks the outputs
// [oBegin, oEnd) a tile at a time and, within a tile, every sample (in chunks
// of inputs: currentTile): the tile's weight rows stay in cache across the
// batch. Per output the adds still come in increasing input order.
template <class A>
inline void connectionCurrent(const Connection& L) {
  if (L.gathered) {
    if (L.gathered->count == 0) return;
    return overOutputs<A>(L.oBegin, L.oEnd, [&](auto k, std::size_t o0, std::size_t count) {
      gatheredTile<A, decltype(k)::value>(L, o0, count);
    });
  }
  const std::uint32_t* start = L.eventStarts();
  if (start[L.batch] == 0) return;
  // Each list's place in the chunks (a thread's own scratch; kept between calls).
  thread_local std::vector<std::uint32_t> cursor;
  if (cursor.size() < L.batch) cursor.resize(L.batch);
  const std::size_t lead = L.delays ? 0 : alignedLead<A>(L, L.oBegin);
  overAlignedOutputs<A>(L.oBegin, L.oEnd, lead, [&](auto k, std::size_t o0, std::size_t count, std::size_t first) {
    currentTile<A, decltype(k)::value>(L, o0, count, first, cursor.data());
  });
}

template <class A>
inline void connectionDifference(const Connection& L) {
  for (std::size_t b = 0; b < L.batch; ++b) {
    overOutputs<A>(L.oBegin, L.oEnd, [&](auto k, std::size_t o0, std::size_t count) {
      withRow<A, decltype(k)::value>(L.result + b * L.out + o0, count, [&](float* dst) { differenceTile<A, decltype(k)::value>(L, b, dst, o0); });
    });
  }
}

// Non-template helpers are static (see vector_loop.hpp): one copy per ISA.
// PySNN's dense activation potential; one multiply per synapse, no sums.
static inline void connectionProducts(const Connection& L) {
  for (std::size_t b = 0; b < L.batch; ++b) {
    for (std::size_t o = L.oBegin; o < L.oEnd; ++o) {
      float* dst = L.result + (b * L.out + o) * L.in;
      for (std::size_t i = 0; i < L.in; ++i) {
        const std::size_t at = i * L.stride + o;
        bool arrived = false;
        if (!L.delays) {
          arrived = L.sent(L.delay, b)[i] != 0;
        } else {
          const float lag = L.delays[at];  // used as an index only when in range
          arrived = lag >= 0.0f && lag < static_cast<float>(L.rows) &&
                    L.sent(static_cast<std::size_t>(lag), b)[i] != 0;
        }
        dst[i] = L.weights[at] * (arrived ? 1.0f : 0.0f);
      }
    }
  }
}

}  // namespace kernel

template <class Arch>
void connectionStep(const Connection& L) {
  switch (L.mode) {
    case ConnectionMode::Current:
      return kernel::connectionCurrent<Arch>(L);
    case ConnectionMode::Difference:
      return kernel::connectionDifference<Arch>(L);
    case ConnectionMode::Products:
      return kernel::connectionProducts(L);
  }
}

}  // namespace spiking
