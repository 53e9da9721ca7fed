// The benchmark's arithmetic ceilings: the rate at which one core adds
// float32 vectors with nothing else to do (no loads, no stores), the most a
// connection (one add per arriving weight per output) could ever reach; and
// the rate with one vector load per add (loadAddPeak), the most a kernel that
// loads each weight it adds can reach from the level of the memory that holds
// the data. Included by each native/isa/*.cpp.
#pragma once

#include "vector_loop.hpp"
#include "../runtime/dispatch.hpp"

namespace spiking {
namespace kernel {

// An empty asm that reads and writes the register: the compiler can neither
// fold a chain of adds into fewer nor drop the ones whose sums go unused.
template <class R>
inline void keepRegister(R& r) {
#if defined(__GNUC__) && defined(__x86_64__) && defined(__AVX512F__)
  asm volatile("" : "+v"(r));
#elif defined(__GNUC__) && defined(__x86_64__)
  asm volatile("" : "+x"(r));
#elif defined(__GNUC__) && defined(__aarch64__)
  asm volatile("" : "+w"(r));
#else
  (void)r;
#endif
}

}  // namespace kernel

// `rounds` rounds of one add to each of kPeakSums independent running sums
// (runtime/dispatch.hpp); returns the float adds done. The sums start at 1 to 12 and grow by 1e-7 per add: normal floats
// all along, so no slow denormal path is timed.
template <class Arch>
double addPeak(std::size_t rounds) {
  using B = kernel::Batch<Arch>;
  static_assert(kPeakSums == 12, "twelve named sums");
  // Named sums, not an array: the compiler keeps each in a register.
  B s0(1.0f), s1(2.0f), s2(3.0f), s3(4.0f), s4(5.0f), s5(6.0f), s6(7.0f), s7(8.0f), s8(9.0f), s9(10.0f), s10(11.0f),
      s11(12.0f);
  const B step(1e-7f);
  auto add = [&](B& s) {
    s = s + step;
    kernel::keepRegister(s.data);
  };
  for (std::size_t r = 0; r < rounds; ++r) {
    add(s0), add(s1), add(s2), add(s3), add(s4), add(s5), add(s6), add(s7), add(s8), add(s9), add(s10), add(s11);
  }
  return static_cast<double>(rounds) * kPeakSums * B::size;
}

// `rounds` passes over the whole groups of kPeakSums vectors within the
// `floats` floats at data (64-byte aligned), each vector loaded once per pass
// and added to one of kPeakSums running sums in turn: one load per add,
// nothing else. Nothing is done when fewer than kPeakSums vectors fit.
template <class Arch>
LoadAdds loadAddPeak(const float* data, std::size_t floats, std::size_t rounds) {
  using B = kernel::Batch<Arch>;
  constexpr std::size_t W = B::size;
  static_assert(kPeakSums == 12, "twelve named sums");
  LoadAdds done;
  done.floats = floats / (kPeakSums * W) * (kPeakSums * W);
  B s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f), s4(0.0f), s5(0.0f), s6(0.0f), s7(0.0f), s8(0.0f), s9(0.0f), s10(0.0f),
      s11(0.0f);
  for (std::size_t r = 0; r < rounds && done.floats != 0; ++r) {
    for (const float* p = data; p < data + done.floats; p += kPeakSums * W) {
      s0 = s0 + B::load_aligned(p), s1 = s1 + B::load_aligned(p + W), s2 = s2 + B::load_aligned(p + 2 * W);
      s3 = s3 + B::load_aligned(p + 3 * W), s4 = s4 + B::load_aligned(p + 4 * W), s5 = s5 + B::load_aligned(p + 5 * W);
      s6 = s6 + B::load_aligned(p + 6 * W), s7 = s7 + B::load_aligned(p + 7 * W), s8 = s8 + B::load_aligned(p + 8 * W);
      s9 = s9 + B::load_aligned(p + 9 * W), s10 = s10 + B::load_aligned(p + 10 * W);
      s11 = s11 + B::load_aligned(p + 11 * W);
    }
  }
  for (const B& s : {s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11}) {
    alignas(64) float lanes[W];
    s.store_aligned(lanes);
    for (float lane : lanes) done.total += lane;
  }
  done.adds = static_cast<double>(rounds) * static_cast<double>(done.floats);
  return done;
}

}  // namespace spiking
