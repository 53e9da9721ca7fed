// Runtime choice of instruction set, made once: the best compiled set this
// CPU (and its OS) can run, unless SPIKING_ISA or selectInstructionSet()
// names another usable one. Compiled for the baseline architecture.
#include <xsimd/xsimd.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

#include "dispatch.hpp"

namespace spiking {
namespace {

struct Candidate {
  InstructionSet set;
  bool (*usable)();
};

#if defined(__x86_64__) || defined(_M_X64)
#if defined(_MSC_VER) && !defined(__clang__)
// MSVC has no __builtin_cpu_supports: CPUID leaf 7 says what the CPU has,
// XGETBV (once CPUID leaf 1 reports OSXSAVE) what the OS saves.
bool osSaves(unsigned long long states) {
  int r[4];
  __cpuid(r, 1);
  return (r[2] & (1 << 27)) && (_xgetbv(0) & states) == states;
}
unsigned leaf7Ebx() {
  int r[4];
  __cpuidex(r, 7, 0);
  return static_cast<unsigned>(r[1]);
}
// XMM and YMM state (bits 1, 2); AVX-512 adds opmask, ZMM0-15 high, ZMM16-31 (5-7).
bool hasAvx2() { return (leaf7Ebx() & (1u << 5)) && osSaves(0x06); }
bool hasAvx512() {
  // F 16, DQ 17, CD 28, BW 30, VL 31.
  const unsigned all = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
  return (leaf7Ebx() & all) == all && osSaves(0xe6);
}
#else
// __builtin_cpu_supports also checks that the OS saves the wider registers.
bool hasAvx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl");
}
bool hasAvx2() { return __builtin_cpu_supports("avx2"); }
#endif
bool always() { return true; }

const Candidate kCompiled[] = {
    {{"avx512bw", &stepLayer<xsimd::avx512bw>, &streamLayer<xsimd::avx512bw>, &connectionStep<xsimd::avx512bw>,
      &bernoulliStep<xsimd::avx512bw>, &scanSpikes<xsimd::avx512bw>, &addPeak<xsimd::avx512bw>,
      &loadAddPeak<xsimd::avx512bw>}, &hasAvx512},
    {{"avx2", &stepLayer<xsimd::avx2>, &streamLayer<xsimd::avx2>, &connectionStep<xsimd::avx2>,
      &bernoulliStep<xsimd::avx2>, &scanSpikes<xsimd::avx2>, &addPeak<xsimd::avx2>,
      &loadAddPeak<xsimd::avx2>}, &hasAvx2},
    {{"sse2", &stepLayer<xsimd::sse2>, &streamLayer<xsimd::sse2>, &connectionStep<xsimd::sse2>,
      &bernoulliStep<xsimd::sse2>, &scanSpikes<xsimd::sse2>, &addPeak<xsimd::sse2>,
      &loadAddPeak<xsimd::sse2>}, &always},
};
#elif defined(__aarch64__)
bool always() { return true; }
const Candidate kCompiled[] = {
    {{"neon64", &stepLayer<xsimd::neon64>, &streamLayer<xsimd::neon64>, &connectionStep<xsimd::neon64>,
      &bernoulliStep<xsimd::neon64>, &scanSpikes<xsimd::neon64>, &addPeak<xsimd::neon64>,
      &loadAddPeak<xsimd::neon64>}, &always},
};
#else
#error "spiking: no kernels for this architecture (x86-64 and AArch64 are supported)"
#endif

constexpr std::size_t kCompiledCount = sizeof(kCompiled) / sizeof(kCompiled[0]);

struct Registry {
  // The last candidate is the architecture's baseline (SSE2, NEON), always
  // usable, so usable[0] is always set; the initialiser says so to GCC, which
  // cannot see through always() on arm64 (-Wmaybe-uninitialized).
  const InstructionSet* usable[kCompiledCount] = {};
  std::size_t count = 0;
  std::atomic<const InstructionSet*> active{nullptr};

  Registry() {
    for (const Candidate& c : kCompiled) {
      if (c.usable()) usable[count++] = &c.set;
    }
    active.store(usable[0]);
    const char* forced = std::getenv("SPIKING_ISA");
    if (forced && *forced) select(forced);
  }

  bool select(const char* name) {
    for (std::size_t i = 0; i < count; ++i) {
      if (std::strcmp(usable[i]->name, name) == 0) {
        active.store(usable[i]);
        return true;
      }
    }
    return false;
  }
};

Registry& registry() {
  static Registry r;  // thread-safe initialisation, shared by all workers
  return r;
}

}  // namespace

const InstructionSet* const* usableInstructionSets(std::size_t* count) {
  *count = registry().count;
  return registry().usable;
}

const char* compiledInstructionSet(std::size_t index) {
  return index < kCompiledCount ? kCompiled[index].set.name : nullptr;
}

std::size_t compiledInstructionSetCount() { return kCompiledCount; }

const InstructionSet& activeInstructionSet() { return *registry().active.load(); }

bool selectInstructionSet(const char* name) { return registry().select(name); }

}  // namespace spiking
