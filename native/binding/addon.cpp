// The N-API entry points: each checks what JS passed (checks.cpp), then
// forwards to the runner. Nothing here owns memory or keeps a pointer past
// the call, except runAsync, which borrows its arguments until it settles (run_async.cpp).
#include <napi.h>

#include <iterator>
#include <string>

#include "exports.hpp"
#include "checks.hpp"
#include "connections.hpp"
#include "layout.hpp"
#include "network.hpp"
#include "learning.hpp"
#include "run_async.hpp"
#include "../abi/connection_view.hpp"
#include "../abi/layer_layout.hpp"
#include "../runtime/dispatch.hpp"
#include "../runtime/fork_join_probe.hpp"
#include "../runtime/runner.hpp"
#include "../runtime/split.hpp"
#include "../runtime/thread_pool.hpp"
#include "../runtime/traffic_floor.hpp"

namespace spiking {
namespace {

#ifndef SPIKING_BUILD_SYSTEM
#define SPIKING_BUILD_SYSTEM "unknown"
#endif

// True in the AddressSanitizer build (CMake option SPIKING_SANITIZE).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

using namespace checks;

Napi::Value Step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Entries x, preTrace;  // read first: reading a list may run JS
  readEntries(env, info[1], "x", x);
  readEntries(env, info[2], "preTrace", preTrace);
  const Layer layer = decodeLayer(env, openSlab(env, info[0]));
  Segments xs, pres;
  const Drive drive = stepDrive(env, layer, x, preTrace, xs, pres);
  stepLayerParallel(layer, drive);
  return env.Undefined();
}

// run(slab, x, preTrace, steps, spikes, records)
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Entries records;  // read first: reading a list may run JS
  readEntries(env, info[5], "records", records);
  const Layer layer = decodeLayer(env, openSlab(env, info[0]));
  const std::size_t steps = stepCount(env, info[3], layer);
  RunPlan plan = runInputs(env, layer, steps, info[1], info[2]);
  runOutputs(env, layer, steps, info[4], records, plan);
  runLayer(layer, plan);
  return env.Undefined();
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ThreadPool::instance().threads()));
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  ThreadPool::instance().setThreads(wholeCount(info.Env(), info[0], "threads", static_cast<double>(kMaxThreads)));
  return info.Env().Undefined();
}

// splitting() -> "auto", "always" or "never" (runtime/split.hpp).
Napi::Value GetSplitting(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kSplittingNames[static_cast<int>(splitting())]);
}

// setSplitting(mode): one of kSplittingNames.
Napi::Value SetSplitting(const Napi::CallbackInfo& info) {
  const std::string mode = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  for (std::size_t m = 0; m < std::size(kSplittingNames); ++m) {
    if (mode == kSplittingNames[m]) {
      forceSplitting(static_cast<Splitting>(m));
      return info.Env().Undefined();
    }
  }
  fail(info.Env(), "Expected \"auto\", \"always\" or \"never\" for the splitting mode", true);
  return info.Env().Undefined();
}

// streamProbe(slab, x): the memory traffic of one LIF step with a
// refractory stage, without its arithmetic; the benchmark's practical limit.
Napi::Value StreamProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Entries x, none;
  readEntries(env, info[1], "x", x);
  const Layer layer = decodeLayer(env, openSlab(env, info[0]));
  if (!traits(layer.model).neuronState) fail(env, "streamProbe takes a neuron layer");
  Segments xs, pres;
  const Drive drive = stepDrive(env, layer, x, none, xs, pres);
  if (drive.segments != 1 || drive.x[0].width != 1) fail(env, "streamProbe takes one value per neuron");
  streamLayerParallel(layer, drive.x[0].data);
  return env.Undefined();
}

// trafficFloor(x: Float32Array, spikes: Uint8Array of the same length):
// spikes[i] = x[i] >= 1, the least memory traffic of a run (runtime/traffic_floor.hpp).
Napi::Value TrafficFloor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TypedView x = typedArg(env, info[0], napi_float32_array, "x");
  const TypedView spikes = typedArg(env, info[1], napi_uint8_array, "spikes", x.length);
  if (x.length != 0) trafficFloor(static_cast<const float*>(x.data), static_cast<std::uint8_t*>(spikes.data), x.length);
  return env.Undefined();
}

// addPeakProbe(rounds) -> float adds done: the core's peak add rate with
// the active instruction set, registers only (kernels/add_peak.hpp); the
// caller times it. The benchmark's arithmetic ceiling.
Napi::Value AddPeakProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::size_t rounds = wholeCount(env, info[0], "rounds", 1e9);
  return Napi::Number::New(env, activeInstructionSet().addPeak(rounds));
}

// loadAddProbe(values: Float32Array, rounds) -> { adds, total, first, count }:
// the core's add rate with one vector load per add (kernels/add_peak.hpp),
// `rounds` passes over values[first, first + count): from its first 64-byte
// boundary, the whole groups of 12 vectors that fit. `total` sums the running
// sums' lanes (the caller can check the loads read the data). The caller
// times it, and picks the level of the memory by the size of values.
Napi::Value LoadAddProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TypedView values = typedArg(env, info[0], napi_float32_array, "values");
  const std::size_t rounds = wholeCount(env, info[1], "rounds", 1e9);
  const std::size_t first = floatsToLine(static_cast<const float*>(values.data));
  constexpr std::size_t kLeast = kPeakSums * 16;  // one group of vectors of the widest instruction set
  if (values.length < first + kLeast) {
    fail(env, "Expected at least " + std::to_string(kLeast) + " floats after the first 64-byte boundary for values, received " +
                  std::to_string(values.length) + " floats, " + std::to_string(first) + " of them before the boundary");
  }
  const LoadAdds done = activeInstructionSet().loadAddPeak(static_cast<const float*>(values.data) + first, values.length - first, rounds);
  Napi::Object result = Napi::Object::New(env);
  result["adds"] = done.adds;
  result["total"] = done.total;
  result["first"] = static_cast<double>(first);
  result["count"] = static_cast<double>(done.floats);
  return result;
}

// bufferOffset64(buffer) -> bytes from the last 64-byte boundary to the
// buffer's data: where a slab's weight rows start against the cache lines
// (tests: kernels/connection.hpp lays its tiles from that boundary).
Napi::Value BufferOffset64(const Napi::CallbackInfo& info) {
  if (!info[0].IsArrayBuffer()) fail(info.Env(), "Expected an ArrayBuffer for buffer", true);
  const auto at = reinterpret_cast<std::uintptr_t>(info[0].As<Napi::ArrayBuffer>().Data());
  return Napi::Number::New(info.Env(), static_cast<double>(at % 64));
}

// forkJoinProbe(calls, pauseMicroseconds?) -> { medianMicros, workerShare }:
// the pool's fork/join cost (runtime/fork_join_probe.hpp), the benchmark's.
Napi::Value ForkJoinProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::size_t calls = wholeCount(env, info[0], "calls", 1e6);
  const std::size_t pause = info[1].IsUndefined() ? 0 : wholeCount(env, info[1], "pauseMicroseconds", 1e6);
  const ForkJoinTiming timing = forkJoinProbe(calls, std::chrono::microseconds(pause));
  Napi::Object result = Napi::Object::New(env);
  result["medianMicros"] = timing.medianMicros;
  result["workerShare"] = timing.workerShare;
  return result;
}

Napi::Value InstructionSets(const Napi::CallbackInfo& info) {
  std::size_t count = 0;
  const InstructionSet* const* sets = usableInstructionSets(&count);
  Napi::Array names = Napi::Array::New(info.Env(), count);
  for (std::size_t i = 0; i < count; ++i) {
    names.Set(static_cast<std::uint32_t>(i), Napi::String::New(info.Env(), sets[i]->name));
  }
  return names;
}

Napi::Value ActiveInstructionSet(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), activeInstructionSet().name);
}

Napi::Value SelectInstructionSet(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) fail(info.Env(), "Expected an instruction set name", true);
  return Napi::Boolean::New(info.Env(),
                            selectInstructionSet(info[0].As<Napi::String>().Utf8Value().c_str()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // A bad setting is an error at load, never silently replaced by a default.
  const std::string threadsProblem = threadsVariableProblem();
  if (!threadsProblem.empty()) throw Napi::Error::New(env, threadsProblem);
  exportFunctions(env, exports, {
      {"step", Step},
      {"run", Run},
      {"runAsync", RunAsync},
      {"numThreads", NumThreads},
      {"setNumThreads", SetNumThreads},
      {"splitting", GetSplitting},
      {"setSplitting", SetSplitting},
      {"streamProbe", StreamProbe},
      {"trafficFloor", TrafficFloor},
      {"forkJoinProbe", ForkJoinProbe},
      {"addPeakProbe", AddPeakProbe},
      {"loadAddProbe", LoadAddProbe},
      {"bufferOffset64", BufferOffset64},
      {"instructionSets", InstructionSets},
      {"instructionSet", ActiveInstructionSet},
      {"setInstructionSet", SelectInstructionSet}
  });
  exports["layerLayout"] = layerLayout(env);
  exports["buildSystem"] = Napi::String::New(env, SPIKING_BUILD_SYSTEM);
  Napi::Array modes = Napi::Array::New(env);
  for (std::uint32_t m = 0; m < std::size(kSplittingNames); ++m) modes.Set(m, Napi::String::New(env, kSplittingNames[m]));
  exports["splittingModes"] = modes;
  Napi::Array compiled = Napi::Array::New(env);
  for (std::size_t i = 0; i < compiledInstructionSetCount(); ++i) {
    compiled.Set(static_cast<uint32_t>(i), compiledInstructionSet(i));
  }
  exports["compiledInstructionSets"] = compiled;
  exports["apiVersion"] = kAddonApi;
  exports["maxThreads"] = static_cast<double>(kMaxThreads);
  registerNetwork(env, exports);
  registerNetworkPlan(env, exports);
  registerLearning(env, exports);
  exports["sanitized"] = Napi::Boolean::New(env, kSanitized);
  return exports;
}

}  // namespace
}  // namespace spiking

Napi::Object InitSpiking(Napi::Env env, Napi::Object exports) {
  return spiking::Init(env, exports);
}

NODE_API_MODULE(spiking, InitSpiking)
