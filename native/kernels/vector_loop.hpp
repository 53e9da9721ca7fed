// The arch-generic driver that every model's fused step runs inside: one pass
// over the layer, a full vector at a time, then the tail through the very same
// vector code on zero-padded copies (so there is no second, scalar version of
// any model to keep in step). Included only by the per-ISA translation units.
//
// Arithmetic is one IEEE float32 operation per step of docs/semantics.md, in its
// order: no fma, no re-association (the build adds -ffp-contract=off).
#pragma once

#include <xsimd/xsimd.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../abi/layer_view.hpp"

namespace spiking {
namespace kernel {

template <class A>
using Batch = xsimd::batch<float, A>;
template <class A>
using Mask = xsimd::batch_bool<float, A>;

// A hint to fetch the cache line at p for reading, into L1 (Locality 3) or
// L2 (2): GCC's and clang's builtin; MSVC's intrinsic (x64: prefetcht0 or
// prefetcht1, arm64: prfm).
template <int Locality = 3>
static inline void prefetch(const void* p) {
  static_assert(Locality == 2 || Locality == 3, "L1 or L2");
#if defined(_MSC_VER) && !defined(__clang__) && defined(_M_X64)
  _mm_prefetch(static_cast<const char*>(p), Locality == 3 ? _MM_HINT_T0 : _MM_HINT_T1);
#elif defined(_MSC_VER) && !defined(__clang__)
  __prefetch(p);
#else
  __builtin_prefetch(p, 0, Locality);
#endif
}

// ---- spike masks to 0/1 bytes -------------------------------------------
// Non-template helpers are static: each ISA's translation unit gets its own
// copy, so the linker can never hand AVX-512 code to an SSE2-only caller.

template <class A>
inline std::uint64_t laneBits(const Mask<A>& m, const xsimd::generic&) {
  std::uint64_t bits = 0;
  for (std::size_t j = 0; j < Mask<A>::size; ++j) bits |= std::uint64_t(m.get(j)) << j;
  return bits;
}
#if XSIMD_WITH_SSE2
template <class A>
inline std::uint64_t laneBits(const Mask<A>& m, const xsimd::sse2&) {
  return static_cast<unsigned>(_mm_movemask_ps(m));
}
#endif
#if XSIMD_WITH_AVX
template <class A>
inline std::uint64_t laneBits(const Mask<A>& m, const xsimd::avx&) {
  return static_cast<unsigned>(_mm256_movemask_ps(m));
}
#endif
#if XSIMD_WITH_AVX512F
template <class A>
inline std::uint64_t laneBits(const Mask<A>& m, const xsimd::avx512f&) {
  return static_cast<std::uint64_t>(m.data);
}
#endif

// Eight mask bits to eight 0/1 bytes, lane j at byte j (little-endian store).
static inline std::uint64_t bitsToBytes(std::uint64_t bits) {
  std::uint64_t x = (bits & 0xffu) * 0x0101010101010101ull;  // bits in every byte
  x &= 0x8040201008040201ull;                                // byte j keeps bit j
  x = (x + 0x7f7f7f7f7f7f7f7full) & 0x8080808080808080ull;   // nonzero -> 0x80
  return x >> 7;
}

template <class A>
inline void storeSpikes(std::uint8_t* out, const Mask<A>& m, const xsimd::generic&) {
  constexpr std::size_t W = Mask<A>::size;
  constexpr std::size_t chunk = W < 8 ? W : 8;
  const std::uint64_t bits = laneBits<A>(m, A{});
  for (std::size_t j = 0; j < W; j += chunk) {
    const std::uint64_t bytes = bitsToBytes(bits >> j);
    std::memcpy(out + j, &bytes, chunk);  // little-endian: lane j -> out[j]
  }
}
#if XSIMD_WITH_AVX512BW && defined(__AVX512VL__)
// One masked byte move: a 1 in each lane that spiked.
template <class A>
inline void storeSpikes(std::uint8_t* out, const Mask<A>& m, const xsimd::avx512bw&) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_maskz_mov_epi8(m.data, _mm_set1_epi8(1)));
}
#endif

// ---- correctly rounded division ------------------------------------------
// a / b rounded once, as IEEE 754 requires, under every instruction set.
// xsimd 8.1 divides floats with divps on SSE2, AVX and AVX-512, but on NEON
// (neon64 inherits it) with a reciprocal estimate refined by two Newton steps
// and a multiply, which can land one ulp off; AArch64 has a true division.
// Every vector division in the kernels (neurons and learning) goes through it;
// they use no other approximate operation (no rcp, rsqrt, exp or fma).

template <class A>
inline Batch<A> divide(const Batch<A>& a, const Batch<A>& b, const xsimd::generic&) {
  return a / b;
}
#if XSIMD_WITH_NEON64
template <class A>
inline Batch<A> divide(const Batch<A>& a, const Batch<A>& b, const xsimd::neon64&) {
  return vdivq_f32(a, b);
}
#endif

// ---- per-call constants and per-vector parameter access -----------------

template <class A>
struct Coeffs {
  Batch<A> dt, vRest, refracSteps;
  // For scalar time constants, the factor each update multiplies by, computed
  // once per call: tau itself for linear updates, dt / tau for exponential.
  float decay[kParamCount];

  Coeffs(const Layer& L, Update update)
      : dt(L.dt), vRest(L.vRest), refracSteps(L.refracSteps) {
    for (int p = 0; p < kParamCount; ++p) {
      const float tau = L.params[p].value;
      decay[p] = update == Update::Exponential ? L.dt / tau : tau;
    }
  }
};

// The parameters of the vector of neurons starting at index i. Uniform
// layers (every parameter a scalar) compile without the per-neuron branches.
template <class A, bool PerNeuron>
struct Params {
  using B = Batch<A>;
  const Layer& L;
  const Coeffs<A>& c;
  std::size_t i;

  B operator()(ParamId id) const {
    const Param& p = L.param(id);
    return PerNeuron && p.ptr ? B::load_unaligned(p.ptr + i) : B(p.value);
  }
  // The factor of a decay (tauV, tauT, tauThresh) under update type U.
  template <Update U>
  B decay(ParamId id) const {
    const Param& p = L.param(id);
    if (!PerNeuron || !p.ptr) return B(c.decay[static_cast<int>(id)]);
    const B tau = B::load_unaligned(p.ptr + i);
    if constexpr (U == Update::Exponential) return divide<A>(c.dt, tau, A{});
    return tau;
  }
};

// The state of one vector of neurons, loaded once, stored once.
template <class A>
struct Lanes {
  Batch<A> v, trace, left, thresh, theta;
};

// ---- the input current ----------------------------------------------------

// Scalar fold for `count` neurons from index i: per neuron, the sum over the
// segments' widths left to right (Fede: of x - preTrace, taken per element).
static inline void foldInto(float* out, const Drive& d, std::size_t i, std::size_t count) {
  for (std::size_t j = 0; j < count; ++j) {
    const std::size_t cell = i + j;
    if (d.bytes) {
      out[j] = static_cast<float>(d.bytes[cell]);
      continue;
    }
    float acc = 0.0f;
    bool first = true;
    for (std::size_t s = 0; s < d.segments; ++s) {
      const std::size_t w = d.x[s].width;
      const float* x = d.x[s].data + cell * w;
      const float* pre = d.preTrace ? d.preTrace[s].data + cell * w : nullptr;
      for (std::size_t k = 0; k < w; ++k) {
        const float e = pre ? x[k] - pre[k] : x[k];
        acc = first ? e : acc + e;
        first = false;
      }
    }
    out[j] = acc;
  }
}

// One float32 value per neuron (k = 1, no list): the current is x itself.
static inline bool isDirect(const Drive& d) {
  return !d.bytes && d.segments == 1 && d.x[0].width == 1;
}

// The fold of the general case, a vector at a time.
template <class A>
inline Batch<A> currentAt(const Drive& d, std::size_t i) {
  using B = Batch<A>;
  alignas(64) float folded[B::size];
  foldInto(folded, d, i, B::size);
  return B::load_aligned(folded);
}

// W bytes as W floats, exactly (every uint8 is a float32, as foldInto's
// cast): zero-extended and converted a vector at a time where the ISA has
// it; a plain loop otherwise.
template <class A>
inline Batch<A> bytesAt(const std::uint8_t* x, const xsimd::generic&) {
  using B = Batch<A>;
  alignas(64) float widened[B::size];
  for (std::size_t j = 0; j < B::size; ++j) widened[j] = static_cast<float>(x[j]);
  return B::load_aligned(widened);
}
#if XSIMD_WITH_SSE2
template <class A>
inline Batch<A> bytesAt(const std::uint8_t* x, const xsimd::sse2&) {
  std::int32_t four;
  std::memcpy(&four, x, 4);
  const __m128i zero = _mm_setzero_si128();
  const __m128i words = _mm_unpacklo_epi8(_mm_cvtsi32_si128(four), zero);
  return _mm_cvtepi32_ps(_mm_unpacklo_epi16(words, zero));
}
#endif
#if XSIMD_WITH_AVX2
template <class A>
inline Batch<A> bytesAt(const std::uint8_t* x, const xsimd::avx2&) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x))));
}
#endif
#if XSIMD_WITH_AVX512F
template <class A>
inline Batch<A> bytesAt(const std::uint8_t* x, const xsimd::avx512f&) {
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x))));
}
#endif

// ---- the driver ------------------------------------------------------------

// Model is a policy with kHasVoltage, kAdapts, kTheta and a fused
// `template <Update U, bool Refrac, class A, class P> Mask<A> step(Lanes<A>&, current, const P&)`.
// General: per-neuron parameters or recording present (checked at run time);
// without them the loop carries no branches for either.
template <class Model, Update U, bool Refrac, bool General, class A>
struct Stepper {
  using B = Batch<A>;
  static constexpr std::size_t W = B::size;

  [[gnu::always_inline]] static void vector(const Layer& L, const Coeffs<A>& c, std::size_t i,
                                            const B& current) {
    Lanes<A> s;
    s.trace = B::load_unaligned(L.trace + i);
    if constexpr (Model::kHasVoltage) {
      s.v = B::load_unaligned(L.v + i);
      s.thresh = B::load_unaligned(L.thresh + i);
    }
    if constexpr (Refrac) s.left = B::load_unaligned(L.refracLeft + i);
    if constexpr (Model::kTheta) s.theta = B::load_unaligned(L.theta + i);

    const Mask<A> spike =
        Model::template step<U, Refrac, A>(s, current, Params<A, General>{L, c, i});

    s.trace.store_unaligned(L.trace + i);
    if constexpr (Model::kHasVoltage) s.v.store_unaligned(L.v + i);
    if constexpr (Model::kAdapts) s.thresh.store_unaligned(L.thresh + i);
    if constexpr (Model::kTheta) s.theta.store_unaligned(L.theta + i);
    B counts(0.0f);
    if constexpr (Refrac) {
      s.left.store_unaligned(L.refracLeft + i);
      if (!L.deferRefracCounts || (General && L.record(RecordId::RefracCounts))) {
        counts = s.left * c.dt;  // PySNN's units
        if (!L.deferRefracCounts) counts.store_unaligned(L.refracCounts + i);
      }
    }
    storeSpikes<A>(L.spikes + i, spike, A{});
    if constexpr (General) {
      if (float* out = L.record(RecordId::Trace)) s.trace.store_unaligned(out + i);
      if constexpr (Model::kHasVoltage) {
        if (float* out = L.record(RecordId::V)) s.v.store_unaligned(out + i);
        if (float* out = L.record(RecordId::Thresh)) s.thresh.store_unaligned(out + i);
        if constexpr (Model::kTheta) {
          if (float* out = L.record(RecordId::Theta)) s.theta.store_unaligned(out + i);
        }
        if (float* out = L.record(RecordId::RefracCounts)) {
          if constexpr (!Refrac) counts = B::load_unaligned(L.refracCounts + i);
          counts.store_unaligned(out + i);
        }
      }
    }
  }

  static void range(const Layer& layer, const Drive& drive, std::size_t begin, std::size_t end) {
    // Local copies whose address never escapes: the compiler keeps their
    // pointers in registers instead of reloading them after every byte store.
    const Layer L = layer;
    const Drive d = drive;
    const Coeffs<A> c(L, U);
    std::size_t i = begin;
    if (isDirect(d)) {  // one value per neuron: loaded straight, no fold
      const float* x = d.x[0].data;
      const float* pre = d.preTrace ? d.preTrace[0].data : nullptr;
      const std::size_t ahead = d.prefetch;
      for (; i + W <= end; i += W) {
        if (ahead) {
          prefetch(x + i + ahead);
          if (pre) prefetch(pre + i + ahead);
        }
        const B current = B::load_unaligned(x + i);
        vector(L, c, i, pre ? current - B::load_unaligned(pre + i) : current);
      }
    } else if (d.bytes) {  // an Input layer's bytes (0/1 or graded): widened a vector at a time, exactly
      const std::uint8_t* x = d.bytes;
      for (; i + W <= end; i += W) vector(L, c, i, bytesAt<A>(x + i, A{}));
    } else {
      for (; i + W <= end; i += W) vector(L, c, i, currentAt<A>(d, i));
    }
    if (i < end) tail(L, d, c, i, end - i);
  }

  // The last count < W neurons: copy them into padded buffers, run the same
  // vector code at index 0, copy the results back.
  static void tail(const Layer& L, const Drive& d, const Coeffs<A>& c, std::size_t i,
                   std::size_t count) {
    alignas(64) float v[W] = {}, trace[W] = {}, counts[W] = {}, left[W] = {}, thresh[W] = {}, theta[W] = {};
    alignas(64) float current[W] = {};
    alignas(64) float recorded[kRecordCount][W];
    alignas(64) float params[kParamCount][W];
    std::uint8_t spikes[W];

    Layer t = L;
    t.v = v, t.trace = trace, t.refracCounts = counts, t.refracLeft = left, t.thresh = thresh, t.theta = theta;
    t.spikes = spikes;
    for (int r = 0; r < kRecordCount; ++r) {
      if (t.records[r]) t.records[r] = recorded[r];
    }
    const std::size_t bytes = count * sizeof(float);
    std::memcpy(trace, L.trace + i, bytes);
    if (Model::kHasVoltage) {
      std::memcpy(v, L.v + i, bytes);
      std::memcpy(thresh, L.thresh + i, bytes);
    }
    if (Refrac) std::memcpy(left, L.refracLeft + i, bytes);
    if (Model::kTheta) std::memcpy(theta, L.theta + i, bytes);
    if (Model::kHasVoltage) std::memcpy(counts, L.refracCounts + i, bytes);
    for (int p = 0; p < kParamCount; ++p) {
      if (!L.params[p].ptr) continue;
      for (std::size_t j = 0; j < W; ++j) params[p][j] = 1.0f;  // harmless padding
      std::memcpy(params[p], L.params[p].ptr + i, bytes);
      t.params[p].ptr = params[p];
    }
    foldInto(current, d, i, count);

    vector(t, c, 0, B::load_aligned(current));

    std::memcpy(L.trace + i, trace, bytes);
    if (Model::kHasVoltage) std::memcpy(L.v + i, v, bytes);
    if (Model::kAdapts) std::memcpy(L.thresh + i, thresh, bytes);
    if (Model::kTheta) std::memcpy(L.theta + i, theta, bytes);
    if (Refrac) {
      std::memcpy(L.refracLeft + i, left, bytes);
      std::memcpy(L.refracCounts + i, counts, bytes);
    }
    std::memcpy(L.spikes + i, spikes, count);
    for (int r = 0; r < kRecordCount; ++r) {
      if (L.records[r]) std::memcpy(L.records[r] + i, recorded[r], bytes);
    }
  }
};

}  // namespace kernel
}  // namespace spiking
