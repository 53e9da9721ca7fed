// scanSpikes<Arch>: the arrival scanner, the indices of the nonzero bytes of
// a spike row, in increasing order (runtime/blocks.hpp's listSpikes and
// listRows call it through the dispatcher's InstructionSet table). One list
// whatever the instruction set; only the way there differs:
//
//   AVX-512 (F, BW, VL)  64 bytes tested at once (one mask bit per byte);
//                        each 16-bit quarter of the mask compresses an index
//                        vector (vpcompressd) into the list.
//   AVX2                 32 bytes compared at once; each byte of the mask
//                        looks up its set bits' offsets (kOffsets) and
//                        widens them to eight indices.
//   others (SSE2, NEON)  eight bytes at a time as a word (nonzeroBytes), one
//                        lowest-bit loop per word, silent 32-byte stretches
//                        skipped with one test.
//
// The vector paths store whole vectors of indices, of which only the first
// (the nonzero count) are kept; the next store starts where the kept ones
// end. A store made while scanning bytes [i, i + V) of the row writes list
// entries [count, count + V) with count <= (the entries at the call) + i:
// so it stays inside the room for one entry per byte of the row that the
// caller provides, and never beyond it (the last, partial vector of a row is
// stored under a mask).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "../runtime/dispatch.hpp"
#include "../runtime/network.hpp"

#if defined(__AVX2__) || defined(__AVX512BW__)
#include <immintrin.h>
#endif
#if defined(_MSC_VER)
#include <intrin.h>
#endif

namespace spiking {
namespace kernel {

// The index of the lowest set bit of x (x != 0).
static inline unsigned lowestBit(std::uint64_t x) {
#if defined(_MSC_VER)
  unsigned long i = 0;
  _BitScanForward64(&i, x);
  return static_cast<unsigned>(i);
#else
  return static_cast<unsigned>(__builtin_ctzll(x));
#endif
}

// The scalar scanner: row[i, in) appended to index from count on, eight bytes
// at a time (no branch per silent byte), then byte by byte; the new count.
static inline std::size_t scanWords(const std::uint8_t* row, std::size_t i, std::size_t in, std::uint32_t* index,
                                    std::size_t count) {
  auto listWord = [&](std::size_t at) {
    std::uint64_t word;
    std::memcpy(&word, row + at, 8);
    std::uint64_t nonzero = nonzeroBytes(word);
    while (nonzero) {
      index[count++] = static_cast<std::uint32_t>(at + (lowestBit(nonzero) >> 3));
      nonzero &= nonzero - 1;
    }
  };
  for (; i + 32 <= in; i += 32) {
    if (zero32(row + i)) continue;  // a silent stretch: one test
    for (std::size_t k = i; k < i + 32; k += 8) listWord(k);
  }
  for (; i + 8 <= in; i += 8) listWord(i);
  for (; i < in; ++i) {
    if (row[i]) index[count++] = static_cast<std::uint32_t>(i);
  }
  return count;
}

// For each byte value, the positions of its set bits, lowest first, one per
// byte of the entry (the AVX2 scanner's lookup table), and how many there are.
struct ByteOffsets {
  std::uint64_t offsets[256];
  std::uint8_t count[256];
};
constexpr ByteOffsets byteOffsets() {
  ByteOffsets t{};
  for (unsigned v = 0; v < 256; ++v) {
    unsigned n = 0;
    for (unsigned bit = 0; bit < 8; ++bit) {
      if (v & (1u << bit)) t.offsets[v] |= static_cast<std::uint64_t>(bit) << (8 * n++);
    }
    t.count[v] = static_cast<std::uint8_t>(n);
  }
  return t;
}
alignas(64) inline constexpr ByteOffsets kOffsets = byteOffsets();

#if defined(__AVX512BW__) && defined(__AVX512VL__)
static inline std::size_t scanAvx512(const std::uint8_t* row, std::size_t in, std::uint32_t* index, std::size_t count) {
  const __m512i sixteen = _mm512_set1_epi32(16);
  __m512i at = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);  // indices of bytes [i, i + 16)
  // One 16-byte quarter: its nonzero bytes' indices, compressed to the front and stored whole.
  auto quarter = [&](__mmask16 nonzero) {
    _mm512_storeu_si512(index + count, _mm512_maskz_compress_epi32(nonzero, at));
    count += static_cast<std::size_t>(kOffsets.count[nonzero & 0xff] + kOffsets.count[nonzero >> 8]);
    at = _mm512_add_epi32(at, sixteen);
  };
  std::size_t i = 0;
  for (; i + 64 <= in; i += 64) {
    const __m512i bytes = _mm512_loadu_si512(row + i);
    const __mmask64 nonzero = _mm512_test_epi8_mask(bytes, bytes);
    if (nonzero == 0) {  // a silent stretch: one test
      at = _mm512_add_epi32(at, _mm512_set1_epi32(64));
      continue;
    }
    for (unsigned q = 0; q < 64; q += 16) quarter(static_cast<__mmask16>(nonzero >> q));
  }
  for (; i + 16 <= in; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i));
    quarter(_mm_test_epi8_mask(bytes, bytes));
  }
  if (i < in) {  // the last 1-15 bytes: loaded and stored under masks, nothing touched past the row or the list
    const __mmask16 inside = static_cast<__mmask16>((1u << (in - i)) - 1);
    const __m128i bytes = _mm_maskz_loadu_epi8(inside, row + i);
    const __mmask16 nonzero = _mm_test_epi8_mask(bytes, bytes);
    const unsigned n = kOffsets.count[nonzero & 0xff] + kOffsets.count[nonzero >> 8];
    _mm512_mask_storeu_epi32(index + count, static_cast<__mmask16>((1u << n) - 1), _mm512_maskz_compress_epi32(nonzero, at));
    count += n;
  }
  return count;
}
#endif

#if defined(__AVX2__)
static inline std::size_t scanAvx2(const std::uint8_t* row, std::size_t in, std::uint32_t* index, std::size_t count) {
  const __m256i zero = _mm256_setzero_si256();
  // Eight bytes from `base` whose nonzero ones are the set bits of `nonzero`: their indices, stored whole.
  auto eighth = [&](unsigned nonzero, std::size_t base) {
    const __m128i offsets = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(&kOffsets.offsets[nonzero]));
    const __m256i indices = _mm256_add_epi32(_mm256_cvtepu8_epi32(offsets), _mm256_set1_epi32(static_cast<int>(base)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(index + count), indices);
    count += kOffsets.count[nonzero];
  };
  std::size_t i = 0;
  for (; i + 32 <= in; i += 32) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + i));
    const unsigned nonzero = ~static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, zero)));
    if (nonzero == 0) continue;  // a silent stretch: one test
    for (unsigned q = 0; q < 32; q += 8) eighth((nonzero >> q) & 0xff, i + q);
  }
  for (; i + 8 <= in; i += 8) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + i));
    eighth(~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_setzero_si128()))) & 0xff, i);
  }
  return scanWords(row, i, in, index, count);  // the last 0-7 bytes, one by one
}
#endif

}  // namespace kernel

// Appends the indices of the nonzero bytes of row[0, in) to index from
// `count` on, in increasing order; index has room for count + in entries.
// Returns the new count. Never allocates, never throws.
template <class Arch>
std::size_t scanSpikes(const std::uint8_t* row, std::size_t in, std::uint32_t* index, std::size_t count) {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
  if constexpr (std::is_same_v<Arch, xsimd::avx512bw>) return kernel::scanAvx512(row, in, index, count);
#endif
#if defined(__AVX2__)
  if constexpr (std::is_same_v<Arch, xsimd::avx2>) return kernel::scanAvx2(row, in, index, count);
#endif
  return kernel::scanWords(row, 0, in, index, count);
}

}  // namespace spiking
