// The N-API layer for networks: Linear connection steps, the Philox
// generator and the Poisson encoder. Registered by registerNet(), which
// addon.cpp's Init calls. Like addon.cpp it owns nothing and keeps no pointer
// past a call; lib/ checks first with friendlier messages, these checks are
// the last line before a kernel.
#include "connections.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "checks.hpp"
#include "../abi/connection_layout.hpp"
#include "../runtime/dispatch.hpp"
#include "../kernels/philox.hpp"
#include "../runtime/thread_pool.hpp"

namespace spiking {
namespace {

using checks::fail;
bool whole(double x) { return checks::isWhole(x); }

// A typed array argument of the given type and, when `length` is not 0, length.
template <class T>
T typedArg(Napi::Env env, const Napi::Value& value, napi_typedarray_type type, const char* name,
           std::size_t length) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    fail(env, std::string("Expected a typed array of the right type for ") + name, true);
  }
  T array = value.As<T>();
  if (length != 0 && array.ElementLength() != length) {
    fail(env, std::string("Expected ") + name + " to hold " + std::to_string(length) + " values but it holds " +
                  std::to_string(array.ElementLength()));
  }
  return array;
}

std::uint32_t u32Arg(Napi::Env env, const Napi::Value& value, const char* name) {
  const double x = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (!whole(x) || x < 0 || x > 4294967295.0) fail(env, std::string("Expected a uint32 for ") + name);
  return static_cast<std::uint32_t>(x);
}

// ---- Linear ----------------------------------------------------------------

struct LinkSlab {
  std::uint8_t* base;
  std::size_t bytes;
  double header[linkslot::kCount];

  template <class T>
  T* at(Napi::Env env, double offset, std::size_t count, const char* what) const {
    if (!whole(offset) || offset < kLinkHeaderBytes || std::fmod(offset, alignof(T)) != 0 ||
        offset > static_cast<double>(bytes) || (bytes - static_cast<std::size_t>(offset)) / sizeof(T) < count) {
      fail(env, std::string("Connection state buffer has a corrupt offset for ") + what);
    }
    return reinterpret_cast<T*>(base + static_cast<std::size_t>(offset));
  }

  std::size_t count(Napi::Env env, int slot, double max) const {
    const double x = header[slot];
    if (!whole(x) || x < 0 || x > max) fail(env, "Connection state buffer has a corrupt size");
    return static_cast<std::size_t>(x);
  }
};

LinkSlab openLink(Napi::Env env, const Napi::Value& value) {
  if (!value.IsArrayBuffer()) fail(env, "Expected the connection's state ArrayBuffer", true);
  Napi::ArrayBuffer buffer = value.As<Napi::ArrayBuffer>();
  LinkSlab slab{static_cast<std::uint8_t*>(buffer.Data()), buffer.ByteLength(), {}};
  if (slab.base == nullptr || slab.bytes < static_cast<std::size_t>(kLinkHeaderBytes)) {
    fail(env, "Connection state buffer is detached or too small");
  }
  std::memcpy(slab.header, slab.base, kLinkHeaderBytes);
  if (slab.header[linkslot::kMagic] != kLinkMagic) fail(env, "Connection state buffer has no valid header");
  return slab;
}

// Below this many float operations a step is not worth waking other threads for.
constexpr double kParallelWork = 1 << 17;

// Runs the connection kernel over all outputs, split across the thread pool
// when the step is large: chunks of whole 64-float tiles, a few per thread.
// Every output is computed by one call, in the same order, whatever the split.
void splitOutputs(const Link& L, double work) {
  const LinkFn link = activeInstructionSet().link;
  ThreadPool& pool = ThreadPool::instance();
  const std::size_t threads = pool.threads();
  if (threads == 1 || work < kParallelWork || L.out <= 64) {
    Link all = L;
    all.oBegin = 0;
    all.oEnd = L.out;
    return link(all);
  }
  const std::size_t size = (L.out / (threads * 4) + 63) / 64 * 64;
  const std::size_t chunks = (L.out + size - 1) / size;
  auto chunk = [&](std::size_t c) {
    Link part = L;
    part.oBegin = c * size;
    part.oEnd = std::min(L.out, (c + 1) * size);
    link(part);
  };
  pool.parallelFor(chunks, chunk);
}

}  // namespace

// The connection slab's header, every offset and size checked against the
// buffer; headSlot receives where its float64 head slot lies.
Link decodeLink(Napi::Env env, const Napi::Value& value, std::uint8_t** headSlot) {
  const LinkSlab slab = openLink(env, value);
  const double limit = static_cast<double>(slab.bytes);
  Link L;
  L.batch = slab.count(env, linkslot::kBatch, limit);
  L.in = slab.count(env, linkslot::kIn, limit);
  L.out = slab.count(env, linkslot::kOut, limit);
  L.stride = slab.count(env, linkslot::kStride, limit);
  L.rows = slab.count(env, linkslot::kRows, kMaxDelaySteps + 1);
  L.head = slab.count(env, linkslot::kHead, limit);
  L.delay = slab.count(env, linkslot::kDelay, kMaxDelaySteps);
  if (L.batch == 0 || L.in == 0 || L.out == 0 || L.rows == 0 || L.stride < L.out || L.stride % kLinkPad != 0 ||
      L.head >= L.rows || L.delay >= L.rows) {
    fail(env, "Connection state buffer has corrupt sizes");
  }
  // Every product below must be a size the buffer can hold: no size_t wrap-around.
  const double in = static_cast<double>(L.in), batch = static_cast<double>(L.batch);
  const double capacity = batch * in * (slab.header[linkslot::kDelays] != -1 ? static_cast<double>(L.rows) : 1.0);
  if (in * static_cast<double>(L.stride) > limit || static_cast<double>(L.rows) * batch * in > limit ||
      2 * capacity + batch + 1 > limit || batch * static_cast<double>(L.out) * in > 9007199254740992.0) {
    fail(env, "Connection state buffer has corrupt sizes");
  }
  const std::size_t weights = L.in * L.stride, sent = L.batch * L.in;
  L.weights = slab.at<float>(env, slab.header[linkslot::kWeights], weights, "weights");
  // Delays are only compared with lags (or range-checked before use as one),
  // so a corrupt value cannot reach memory outside the ring; lib/ checks them.
  if (slab.header[linkslot::kDelays] != -1) {
    L.delays = slab.at<float>(env, slab.header[linkslot::kDelays], weights, "delays");
  }
  L.ring = slab.at<std::uint8_t>(env, slab.header[linkslot::kRing], L.rows * sent, "the spike ring");
  L.events = slab.at<std::uint32_t>(env, slab.header[linkslot::kEvents], 2 * L.eventCapacity() + L.batch + 1,
                                    "the event scratch");
  *headSlot = slab.base + linkslot::kHead * sizeof(double);
  return L;
}

namespace {

// linkStep(slab, pre: Uint8Array [batch][in], result: Float32Array, mode, traceIn?)
// Writes this step's presynaptic spikes into the ring, runs the kernel on the
// spikes that arrive now, then moves the ring on by one row.
Napi::Value LinkStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::uint8_t* headSlot = nullptr;
  Link L = decodeLink(env, info[0], &headSlot);
  std::uint8_t* ring = const_cast<std::uint8_t*>(L.ring);  // the slab's own, writable memory
  const std::size_t sent = L.batch * L.in;
  const Napi::Uint8Array pre = typedArg<Napi::Uint8Array>(env, info[1], napi_uint8_array, "the presynaptic spikes", sent);
  const double mode = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : -1.0;
  if (!whole(mode) || mode < 0 || mode > static_cast<double>(LinkMode::Difference)) {
    fail(env, "Expected a connection mode");
  }
  L.mode = static_cast<LinkMode>(static_cast<int>(mode));
  const std::size_t results = L.batch * L.out * (L.mode == LinkMode::Products ? L.in : 1);
  L.result = typedArg<Napi::Float32Array>(env, info[2], napi_float32_array, "the connection's output", results).Data();
  if (L.mode == LinkMode::Difference) {
    L.traceIn = typedArg<Napi::Float32Array>(env, info[4], napi_float32_array, "the presynaptic trace", sent).Data();
  }

  std::memcpy(ring + L.head * sent, pre.Data(), sent);
  // Work in float operations: arrivals x outputs, or every synapse (dense modes).
  double work = static_cast<double>(L.batch) * static_cast<double>(L.in) * static_cast<double>(L.out);
  if (L.mode == LinkMode::Current) work = static_cast<double>(L.listArrivals()) * static_cast<double>(L.out);
  if (work > 0) splitOutputs(L, work);
  const double next = static_cast<double>((L.head + 1) % L.rows);
  std::memcpy(headSlot, &next, sizeof(double));
  return env.Undefined();
}

Napi::Object LinkLayout(Napi::Env env) {
  Napi::Object slots = Napi::Object::New(env);
  slots["magic"] = linkslot::kMagic;
  slots["batch"] = linkslot::kBatch;
  slots["in"] = linkslot::kIn;
  slots["out"] = linkslot::kOut;
  slots["stride"] = linkslot::kStride;
  slots["rows"] = linkslot::kRows;
  slots["head"] = linkslot::kHead;
  slots["delay"] = linkslot::kDelay;
  slots["weights"] = linkslot::kWeights;
  slots["delays"] = linkslot::kDelays;
  slots["ring"] = linkslot::kRing;
  slots["events"] = linkslot::kEvents;
  slots["count"] = linkslot::kCount;
  Napi::Object modes = Napi::Object::New(env);
  modes["current"] = static_cast<int>(LinkMode::Current);
  modes["products"] = static_cast<int>(LinkMode::Products);
  modes["difference"] = static_cast<int>(LinkMode::Difference);
  Napi::Object layout = Napi::Object::New(env);
  layout["slots"] = slots;
  layout["modes"] = modes;
  layout["magic"] = kLinkMagic;
  layout["headerBytes"] = kLinkHeaderBytes;
  layout["pad"] = kLinkPad;
  layout["maxDelay"] = kMaxDelaySteps;
  return layout;
}

// ---- Philox and the Poisson encoder -----------------------------------------

// philox(out: Uint32Array of 4m, key0, key1, c0, c1, c2, c3): block j is
// Philox4x32-10 of counter (c0, c1 + j mod 2^32, c2, c3) under key (key0, key1):
// the counter layout (step, block, sample, domain) that bernoulli uses too.
Napi::Value Philox(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint32Array out = typedArg<Napi::Uint32Array>(env, info[0], napi_uint32_array, "out", 0);
  if (out.ElementLength() % 4 != 0) fail(env, "Expected out to hold a multiple of 4 values");
  const std::uint32_t k0 = u32Arg(env, info[1], "key0"), k1 = u32Arg(env, info[2], "key1");
  const std::uint32_t c0 = u32Arg(env, info[3], "c0"), c1 = u32Arg(env, info[4], "c1");
  const std::uint32_t c2 = u32Arg(env, info[5], "c2"), c3 = u32Arg(env, info[6], "c3");
  std::uint32_t* v = out.Data();
  for (std::size_t j = 0; j < out.ElementLength() / 4; ++j) {
    const Philox4x32 r = philox4x32_10(c0, c1 + static_cast<std::uint32_t>(j), c2, c3, k0, k1);
    std::memcpy(v + 4 * j, r.v, sizeof(r.v));
  }
  return env.Undefined();
}

// bernoulli(out: Uint8Array [batch][n], thresholds: Float64Array [n] (shared by
//           every sample) or [batch][n], n, key0, key1, step, firstSample, domain):
// out[b][i] = word < threshold[b][i], where word is lane i % 4 of
// Philox4x32-10(counter (step, i / 4, firstSample + b, domain), key).
Napi::Value Bernoulli(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array out = typedArg<Napi::Uint8Array>(env, info[0], napi_uint8_array, "out", 0);
  Napi::Float64Array thresholds = typedArg<Napi::Float64Array>(env, info[1], napi_float64_array, "thresholds", 0);
  const std::size_t n = u32Arg(env, info[2], "n"), total = out.ElementLength();
  const std::uint32_t k0 = u32Arg(env, info[3], "key0"), k1 = u32Arg(env, info[4], "key1");
  const std::uint32_t step = u32Arg(env, info[5], "step"), first = u32Arg(env, info[6], "firstSample");
  const std::uint32_t domain = u32Arg(env, info[7], "domain");
  const bool shared = thresholds.ElementLength() == n;
  if (n == 0 || total == 0 || total % n != 0 || (!shared && thresholds.ElementLength() != total)) {
    fail(env, "Expected out to hold whole rows of n values and thresholds to hold n of them or as many as out");
  }
  BernoulliCall call;
  call.out = out.Data();
  call.thresholds = thresholds.Data();
  call.n = n;
  call.batch = total / n;
  call.shared = shared;
  call.key0 = k0;
  call.key1 = k1;
  call.step = step;
  call.firstSample = first;
  call.domain = domain;
  activeInstructionSet().bernoulli(call);
  return env.Undefined();
}

// countSpikes(spikes: Uint8Array [batch][n], counts: Float64Array [batch]): counts[b] += spikes in row b.
Napi::Value CountSpikes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array spikes = typedArg<Napi::Uint8Array>(env, info[0], napi_uint8_array, "spikes", 0);
  Napi::Float64Array counts = typedArg<Napi::Float64Array>(env, info[1], napi_float64_array, "counts", 0);
  const std::size_t batch = counts.ElementLength(), total = spikes.ElementLength();
  if (batch == 0 || total % batch != 0) fail(env, "Expected spikes to hold whole rows, one per count");
  const std::size_t n = total / batch;
  const std::uint8_t* s = spikes.Data();
  for (std::size_t b = 0; b < batch; ++b) {
    std::size_t c = 0;
    for (std::size_t i = 0; i < n; ++i) c += s[b * n + i] != 0;
    counts[b] = counts[b] + static_cast<double>(c);
  }
  return env.Undefined();
}

}  // namespace

void registerNet(Napi::Env env, Napi::Object exports) {
  exports["linkStep"] = Napi::Function::New(env, LinkStep, "linkStep");
  exports["linkLayout"] = LinkLayout(env);
  exports["philox"] = Napi::Function::New(env, Philox, "philox");
  exports["bernoulli"] = Napi::Function::New(env, Bernoulli, "bernoulli");
  exports["countSpikes"] = Napi::Function::New(env, CountSpikes, "countSpikes");
}

}  // namespace spiking
