// The N-API layer for networks: Linear connection steps, the Philox
// generator, the Poisson encoder and spike counts. Registered by
// registerNetwork(), which addon.cpp's Init calls. Like addon.cpp it checks
// what JS passed and forwards: it owns nothing and keeps no pointer past a
// call; lib/ checks first with friendlier messages, these checks are the
// last line before native code dereferences anything.
#include "exports.hpp"
#include "connections.hpp"

#include <cstring>
#include <string>

#include "checks.hpp"
#include "layout.hpp"
#include "../abi/connection_layout.hpp"
#include "../kernels/philox.hpp"
#include "../runtime/blocks.hpp"
#include "../runtime/dispatch.hpp"
#include "../runtime/poisson_live.hpp"
#include "../runtime/network.hpp"

namespace spiking {
namespace {

using namespace checks;

std::uint32_t u32Arg(Napi::Env env, const Napi::Value& value, const char* name) {
  const double x = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (!isWhole(x) || x < 0 || x > 4294967295.0) fail(env, std::string("Expected a uint32 for ") + name);
  return static_cast<std::uint32_t>(x);
}

}  // namespace

// The connection slab's header, checked against its size: every product
// below must be a size the buffer can hold, so no size_t wraps around.
Connection decodeConnection(Napi::Env env, const SlabView& slab) {
  const double* h = slab.header;
  const double limit = static_cast<double>(slab.bytes);
  Connection c;
  c.batch = countAt(env, slab, connslot::kBatch, limit);
  c.in = countAt(env, slab, connslot::kIn, limit);
  c.out = countAt(env, slab, connslot::kOut, limit);
  c.stride = countAt(env, slab, connslot::kStride, limit);
  c.rows = countAt(env, slab, connslot::kRows, kMaxDelaySteps + 1);
  c.head = countAt(env, slab, connslot::kHead, limit);
  c.delay = countAt(env, slab, connslot::kDelay, kMaxDelaySteps);
  if (c.batch == 0 || c.in == 0 || c.out == 0 || c.rows == 0 || c.stride < c.out || c.stride % kConnectionPad != 0 ||
      c.head >= c.rows || c.delay >= c.rows) {
    fail(env, "Connection state buffer has corrupt sizes");
  }
  const bool perSynapse = h[connslot::kDelays] != -1;
  const double in = static_cast<double>(c.in), batch = static_cast<double>(c.batch);
  const double events = eventEntries(batch, in, static_cast<double>(c.rows), perSynapse);
  if (in * static_cast<double>(c.stride) > limit || static_cast<double>(c.rows) * batch * in > limit ||
      events > limit || batch * static_cast<double>(c.out) * in > 9007199254740992.0) {
    fail(env, "Connection state buffer has corrupt sizes");
  }
  const std::size_t weights = c.in * c.stride;
  static_assert(kConnectionHeaderBytes >= kConnectionSlack, "the kernel's loads before row 0 stay in the header");
  c.weights = arrayAt<float>(env, slab, h[connslot::kWeights], weights + kConnectionSlack / sizeof(float), "weights");
  // Delays are only compared with lags (or range-checked before use as one),
  // so a corrupt value cannot reach memory outside the ring; lib/ checks them.
  if (perSynapse) c.delays = arrayAt<float>(env, slab, h[connslot::kDelays], weights + kConnectionSlack / sizeof(float), "delays");
  c.ring = arrayAt<std::uint8_t>(env, slab, h[connslot::kRing], c.rows * c.batch * c.in, "the spike ring");
  c.events = arrayAt<std::uint32_t>(env, slab, h[connslot::kEvents], static_cast<std::size_t>(events), "the event scratch");
  return c;
}

namespace {

// connectionStep(slab, pre: Uint8Array [batch][in], result: Float32Array, mode, traceIn?)
Napi::Value ConnectionStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SlabView slab = openSlab(env, info[0], kConnectionSlab);
  Connection c = decodeConnection(env, slab);
  const std::size_t sent = c.batch * c.in;
  const TypedView pre = typedArg(env, info[1], napi_uint8_array, "the presynaptic spikes", sent);
  const double mode = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : -1.0;
  if (!isWhole(mode) || mode < 0 || mode > static_cast<double>(ConnectionMode::Difference)) {
    fail(env, "Expected a connection mode");
  }
  c.mode = static_cast<ConnectionMode>(static_cast<int>(mode));
  const std::size_t results = c.batch * c.out * (c.mode == ConnectionMode::Products ? c.in : 1);
  c.result = static_cast<float*>(typedArg(env, info[2], napi_float32_array, "the connection's output", results).data);
  if (c.mode == ConnectionMode::Difference) {
    c.traceIn = static_cast<const float*>(typedArg(env, info[4], napi_float32_array, "the presynaptic trace", sent).data);
  }
  const double next = static_cast<double>(stepConnection(c, static_cast<const std::uint8_t*>(pre.data)));
  std::memcpy(slab.base + connslot::kHead * sizeof(double), &next, sizeof(double));
  return env.Undefined();
}

// philox(out: Uint32Array of 4m, key0, key1, c0, c1, c2, c3): philoxBlocks.
Napi::Value Philox(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TypedView out = typedArg(env, info[0], napi_uint32_array, "out");
  if (out.length % 4 != 0) fail(env, "Expected out to hold a multiple of 4 values");
  const std::uint32_t k0 = u32Arg(env, info[1], "key0"), k1 = u32Arg(env, info[2], "key1");
  const std::uint32_t c0 = u32Arg(env, info[3], "c0"), c1 = u32Arg(env, info[4], "c1");
  const std::uint32_t c2 = u32Arg(env, info[5], "c2"), c3 = u32Arg(env, info[6], "c3");
  philoxBlocks(static_cast<std::uint32_t*>(out.data), out.length / 4, k0, k1, c0, c1, c2, c3);
  return env.Undefined();
}

// bernoulli(out: Uint8Array [batch][n], thresholds: Float64Array [n] (shared by
//           every sample) or [batch][n], n, key0, key1, step, firstSample, domain,
//           listed?): one step of the Poisson encoder (kernels/encode.hpp);
// listed: through the thresholds' live list, as a network run draws.
Napi::Value Bernoulli(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TypedView out = typedArg(env, info[0], napi_uint8_array, "out");
  const TypedView thresholds = typedArg(env, info[1], napi_float64_array, "thresholds");
  const std::size_t n = u32Arg(env, info[2], "n");
  const bool shared = thresholds.length == n;
  if (n == 0 || out.length == 0 || out.length % n != 0 || (!shared && thresholds.length != out.length)) {
    fail(env, "Expected out to hold whole rows of n values and thresholds to hold n of them or as many as out");
  }
  BernoulliCall call{static_cast<std::uint8_t*>(out.data), static_cast<const double*>(thresholds.data),
                     n, out.length / n, shared,
                     u32Arg(env, info[3], "key0"), u32Arg(env, info[4], "key1"),
                     u32Arg(env, info[5], "step"), u32Arg(env, info[6], "firstSample"),
                     u32Arg(env, info[7], "domain")};
  BernoulliLive live;
  if (info[8].ToBoolean()) {
    listLive(call.thresholds, n, shared ? 1 : call.batch, live);
    call.live = &live;
  }
  activeInstructionSet().bernoulli(call);
  return env.Undefined();
}

// countSpikes(spikes: Uint8Array [batch][n], counts: Float64Array [batch]): counts[b] += spikes in row b.
Napi::Value CountSpikes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TypedView spikes = typedArg(env, info[0], napi_uint8_array, "spikes");
  const TypedView counts = typedArg(env, info[1], napi_float64_array, "counts");
  if (counts.length == 0 || spikes.length % counts.length != 0) {
    fail(env, "Expected spikes to hold whole rows, one per count");
  }
  countSpikes(static_cast<const std::uint8_t*>(spikes.data), spikes.length / counts.length,
              static_cast<double*>(counts.data), counts.length);
  return env.Undefined();
}

// listSpikes(rows: Uint8Array [batch][in], starts: Uint32Array [batch + 1],
// index: Uint32Array of rows.length) -> count: the engine's arrival lists
// (runtime/blocks.hpp's listRows, the active instruction set's scanner).
Napi::Value ListSpikes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TypedView rows = typedArg(env, info[0], napi_uint8_array, "rows");
  const TypedView starts = typedArg(env, info[1], napi_uint32_array, "starts");
  if (starts.length < 2) fail(env, "Expected starts to hold at least 2 entries (batch + 1) but it holds " + std::to_string(starts.length));
  const std::size_t batch = starts.length - 1;
  if (rows.length % batch != 0 || rows.length > 4294967295.0) {
    fail(env, "Expected rows to hold batch = " + std::to_string(batch) + " whole rows (fewer than 2^32 bytes) but it holds " +
                  std::to_string(rows.length) + " bytes");
  }
  const TypedView index = typedArg(env, info[2], napi_uint32_array, "index", rows.length);
  const std::size_t count = listRows(static_cast<const std::uint8_t*>(rows.data), batch, rows.length / batch,
                                     static_cast<std::uint32_t*>(index.data), static_cast<std::uint32_t*>(starts.data));
  return Napi::Number::New(env, static_cast<double>(count));
}

}  // namespace

void registerNetwork(Napi::Env env, Napi::Object exports) {
  exports["connectionLayout"] = connectionLayout(env);
  exportFunctions(env, exports, {
      {"connectionStep", ConnectionStep},
      {"philox", Philox},
      {"bernoulli", Bernoulli},
      {"countSpikes", CountSpikes},
      {"listSpikes", ListSpikes}
  });
}

}  // namespace spiking
