// Checks that turn what JS passed into a Layer and a Drive, throwing a JS
// TypeError or RangeError on anything else. Used by the N-API entry points.
#pragma once

#include <napi.h>

#include <cstddef>
#include <string>
#include <vector>

#include "../abi/layer_view.hpp"
#include "../abi/layer_layout.hpp"
#include "../runtime/runner.hpp"

namespace spiking {
namespace checks {

[[noreturn]] void fail(Napi::Env env, const std::string& message, bool typeError = false);
bool isWhole(double x);

// The layer slab as passed, with its header copied out.
struct SlabView {
  std::uint8_t* base;
  std::size_t bytes;
  double header[slot::kCount];
};

SlabView openSlab(Napi::Env env, const Napi::Value& value);
// Every offset and value of the header checked against the slab's size.
Layer decodeLayer(Napi::Env env, const SlabView& slab);

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

Segment floatSegment(Napi::Env env, const Napi::Value& value, std::size_t n, const char* name);
// The input of one step (x, and preTrace for Fede), from entries already
// read; xs and pres hold its segments.
Drive stepDrive(Napi::Env env, const Layer& layer, const Entries& x, const Entries& preTrace,
                Segments& xs, Segments& pres);

// run(): x of steps x n x width, time-major (Input: Float32Array or
// Uint8Array of steps x n; Fede: preTrace of the layout of x).
RunPlan runInputs(Napi::Env env, const Layer& layer, std::size_t steps, const Napi::Value& x,
                  const Napi::Value& preTrace);
// run()'s outputs allocated by JS: spikes (Uint8Array of steps x n) and
// records, a list of four Float32Arrays of steps x n or null (vCell, trace,
// refracCounts, thresh).
void runOutputs(Napi::Env env, const Layer& layer, std::size_t steps, const Napi::Value& spikes,
                const Entries& records, RunPlan& plan);
// The record slots of a plan, in the order runOutputs takes them.
float** recordSlots(RunPlan& plan, int r);
constexpr int kRecords = 4;

// A typed array's type, element count and data, read with one N-API call;
// type napi_bigint64_array stands for "not a typed array we take".
struct TypedView {
  napi_typedarray_type type = napi_bigint64_array;
  std::size_t length = 0;
  void* data = nullptr;
};
TypedView typedView(const Napi::Value& value);
// run()'s step count: outputs stay below 2^52 elements, exactly countable in a double.
std::size_t stepCount(Napi::Env env, const Napi::Value& value, const Layer& layer);
std::size_t wholeCount(Napi::Env env, const Napi::Value& value, const char* name, double max);

}  // namespace checks
}  // namespace spiking
