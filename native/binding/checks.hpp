// Checks that turn what JS passed into a Layer and a Drive, throwing a JS
// TypeError or RangeError on anything else. Used by the N-API entry points.
#pragma once

#include <napi.h>

#include <cstddef>
#include <string>
#include <vector>

#include "../abi/connection_layout.hpp"
#include "../abi/layer_layout.hpp"
#include "../abi/layer_view.hpp"
#include "../runtime/runner.hpp"

namespace spiking {
namespace checks {

[[noreturn]] void fail(Napi::Env env, const std::string& message, bool typeError = false);
bool isWhole(double x);

// The two kinds of slab (abi/layer_layout.hpp, abi/connection_layout.hpp).
struct SlabKind {
  const char* name;  // "Layer": messages say "Layer state buffer ..."
  const char* noun;  // "layer": "Expected the layer's state ArrayBuffer"
  int headerBytes;
  double magic;
};
constexpr SlabKind kLayerSlab{"Layer", "layer", kHeaderBytes, kSlabMagic};
constexpr SlabKind kConnectionSlab{"Connection", "connection", kConnectionHeaderBytes, kConnectionMagic};
constexpr int kMaxHeaderSlots = slot::kCount > connslot::kCount ? slot::kCount : connslot::kCount;

// A slab as passed, with its header copied out (the checks and the kernels
// then agree on it, whatever JS does meanwhile).
struct SlabView {
  std::uint8_t* base;
  std::size_t bytes;
  double header[kMaxHeaderSlots];
  const SlabKind* kind;
};

// An ArrayBuffer of the kind's size with its magic number, or a JS error.
SlabView openSlab(Napi::Env env, const Napi::Value& value, const SlabKind& kind = kLayerSlab);
// Every offset and value of the header checked against the slab's size and
// the model's traits (abi/layer_layout.hpp).
Layer decodeLayer(Napi::Env env, const SlabView& slab);
// A header slot holding a whole count in [0, max].
std::size_t countAt(Napi::Env env, const SlabView& slab, int slot, double max);

// n elements of type T at a byte offset read from the header: inside the
// buffer, past the header and aligned, or a JS error naming `what`.
template <class T>
T* arrayAt(Napi::Env env, const SlabView& slab, double offset, std::size_t n, const char* what) {
  if (!isWhole(offset) || offset < slab.kind->headerBytes || offset > static_cast<double>(slab.bytes) ||
      static_cast<std::size_t>(offset) % alignof(T) != 0 ||
      (slab.bytes - static_cast<std::size_t>(offset)) / sizeof(T) < n) {
    fail(env, std::string(slab.kind->name) + " state buffer has a corrupt offset for " + what);
  }
  return reinterpret_cast<T*>(slab.base + static_cast<std::size_t>(offset));
}

// Float32 inputs of layout (n, width), one array or a list of them.
struct Segments {
  static constexpr std::size_t kInline = 16;
  Segment inlined[kInline];
  std::vector<Segment> spilled;  // only for lists longer than kInline
  std::size_t count = 0;

  Segment* data() { return spilled.empty() ? inlined : spilled.data(); }
};

// An input as passed: one value, or the entries of a list. Reading a list's
// entries can run JS (getters, proxies), which could shrink or detach any
// buffer, so every entry point reads its lists completely before it takes a
// single pointer into JS memory.
struct Entries {
  static constexpr std::size_t kInline = 4;
  static constexpr std::uint32_t kMax = 65536;  // more list entries than this: rejected
  Napi::Value inlined[kInline];
  std::vector<Napi::Value> spilled;
  std::size_t count = 0;
  bool list = false;

  const Napi::Value& operator[](std::size_t i) const { return spilled.empty() ? inlined[i] : spilled[i]; }
};
void readEntries(Napi::Env env, const Napi::Value& value, const char* name, Entries& out);

// The input of one step (x, and preTrace for Fede), from entries already
// read; xs and pres hold its segments.
Drive stepDrive(Napi::Env env, const Layer& layer, const Entries& x, const Entries& preTrace,
                Segments& xs, Segments& pres);

// run(): x of steps x n x width, time-major (Input: Float32Array or
// Uint8Array of steps x n; Fede: preTrace of the layout of x).
RunPlan runInputs(Napi::Env env, const Layer& layer, std::size_t steps, const Napi::Value& x,
                  const Napi::Value& preTrace);
// run()'s outputs allocated by JS: spikes (Uint8Array of steps x n) and
// records, a list of kRecordCount Float32Arrays of steps x n or null, in
// kRecords order; only the records the model has (recordMask).
void runOutputs(Napi::Env env, const Layer& layer, std::size_t steps, const Napi::Value& spikes,
                const Entries& records, RunPlan& plan);
// runAsync's record mask: bits of the records the model has, or a JS error.
std::uint32_t recordMaskArg(Napi::Env env, const Napi::Value& value, const Layer& layer);
// The record slots of a plan, in RecordId order.
inline float** recordSlots(RunPlan& plan, int r) { return &plan.records[r]; }
constexpr int kRecords = kRecordCount;  // run_async.cpp counts with this name

// A typed array's type, element count and data, read with one N-API call;
// type napi_bigint64_array stands for "not a typed array we take".
struct TypedView {
  napi_typedarray_type type = napi_bigint64_array;
  std::size_t length = 0;
  void* data = nullptr;
};
TypedView typedView(const Napi::Value& value);
// A typed array argument of the given type and, when `length` is not 0, of
// that length; a JS error naming `name` otherwise.
TypedView typedArg(Napi::Env env, const Napi::Value& value, napi_typedarray_type type, const char* name,
                   std::size_t length = 0);
// run()'s step count: outputs stay below 2^52 elements, exactly countable in a double.
std::size_t stepCount(Napi::Env env, const Napi::Value& value, const Layer& layer);
std::size_t wholeCount(Napi::Env env, const Napi::Value& value, const char* name, double max);

}  // namespace checks
}  // namespace spiking
