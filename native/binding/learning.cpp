// The N-API layer for learning rules (lib/learning/): checks what JS passed
// and forwards to the kernels of the active instruction set, split over the
// thread pool by presynaptic rows. It owns nothing and keeps no pointer past
// a call. lib/ checks first with friendlier messages; these checks are the
// last line before a kernel, so that nothing JS can pass crashes the process.
//
// Every function takes a Linear connection as four views lib/network/linear.ts
// hands out: weights (Float32Array [in][stride]), delays (Float32Array
// [in][stride] or null), ring (Uint8Array [rows][batch][in]) and dims
// (Float64Array [batch, in, out, stride, rows, head, delay], head being the
// ring row of the last step).
#include "exports.hpp"
#include "learning.hpp"

#include <cmath>
#include <string>

#include "checks.hpp"
#include "../abi/connection_layout.hpp"
#include "../abi/learning_view.hpp"
#include "../kernels/learning/pair_stdp.hpp"
#include "../runtime/learning_steps.hpp"

namespace spiking {
namespace {

using checks::fail;

// A typed array of `type` holding exactly `length` values: one N-API query
// (these calls run every step, so their checks must be cheap).
template <class T>
T* viewArg(Napi::Env env, const Napi::Value& value, napi_typedarray_type type, const char* name, double length) {
  bool typed = false;
  napi_typedarray_type actual = napi_int8_array;
  std::size_t count = 0;
  void* data = nullptr;
  if (napi_is_typedarray(env, value, &typed) != napi_ok || !typed ||
      napi_get_typedarray_info(env, value, &actual, &count, &data, nullptr, nullptr) != napi_ok || actual != type) {
    fail(env, std::string("Expected a typed array of the right type for ") + name, true);
  }
  if (static_cast<double>(count) != length || (count != 0 && data == nullptr)) {
    fail(env, std::string("Expected ") + name + " to hold " + std::to_string(static_cast<long long>(length)) +
                  " values but it holds " + std::to_string(count));
  }
  return static_cast<T*>(data);  // N-API points it at the first element (byte offset applied)
}

float floatArg(Napi::Env env, const Napi::Value& value, const char* name) {
  const double x = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  const float f = static_cast<float>(x);
  if (!std::isfinite(f)) fail(env, std::string("Expected a finite float32 for ") + name);
  return f;
}

// The connection's views (arguments first .. first + 3) as Synapses.
Synapses synapsesArg(Napi::Env env, const Napi::CallbackInfo& info, std::size_t first) {
  const double* dims = viewArg<double>(env, info[first + 3], napi_float64_array, "the connection's dims", 7);
  for (int k = 0; k < 7; ++k) {
    if (!checks::isWhole(dims[k]) || dims[k] < 0 || dims[k] > 9007199254740992.0) {
      fail(env, "Expected whole-number dims for the connection");
    }
  }
  const double batch = dims[0], in = dims[1], out = dims[2], stride = dims[3], rows = dims[4];
  if (batch < 1 || in < 1 || out < 1 || stride < out || std::fmod(stride, kConnectionPad) != 0 || rows < 1 ||
      rows > kMaxDelaySteps + 1 || dims[5] >= rows || dims[6] >= rows || batch * in * stride > 9007199254740992.0) {
    fail(env, "Expected consistent dims for the connection (batch, in, out >= 1, stride >= out, head and delay < rows)");
  }
  Synapses S;
  S.batch = static_cast<std::size_t>(batch);
  S.in = static_cast<std::size_t>(in);
  S.out = static_cast<std::size_t>(out);
  S.stride = static_cast<std::size_t>(stride);
  S.rows = static_cast<std::size_t>(rows);
  S.head = static_cast<std::size_t>(dims[5]);
  S.delay = static_cast<std::size_t>(dims[6]);
  S.weights = viewArg<float>(env, info[first], napi_float32_array, "the connection's weights", in * stride);
  if (!info[first + 1].IsNull() && !info[first + 1].IsUndefined()) {
    S.delays = viewArg<float>(env, info[first + 1], napi_float32_array, "the connection's delays", in * stride);
  }
  S.ring = viewArg<std::uint8_t>(env, info[first + 2], napi_uint8_array, "the connection's spike ring", rows * batch * in);
  return S;
}

bool boolArg(Napi::Env env, const Napi::Value& value, const char* name) {
  if (!value.IsBoolean()) fail(env, std::string("Expected a boolean for ") + name, true);
  return value.As<Napi::Boolean>().Value();
}

// The eligibility trace's length, F32 [batch][in][stride].
double eTraceEntries(const Synapses& S) {
  return static_cast<double>(S.batch) * static_cast<double>(S.in) * static_cast<double>(S.stride);
}

// What both MSTDPET entries take: the connection (arguments 0-3) and its
// eligibility trace (argument `at`). Their work splits over the inputs.
MstdpetCall mstdpetArgs(Napi::Env env, const Napi::CallbackInfo& info, std::size_t at) {
  MstdpetCall C;
  C.syn = synapsesArg(env, info, 0);
  C.eTrace = viewArg<float>(env, info[at], napi_float32_array, "the eligibility trace", eTraceEntries(C.syn));
  return C;
}

// mstdpetUpdate(weights, delays, ring, dims, preTrace: F32 [batch][in],
//   postSpikes: U8 [batch][out], postTrace: F32 [batch][out],
//   eTrace: F32 [batch][in][stride], scratch: F32 [2][batch][stride], aPre, aPost, decay)
Napi::Value MstdpetUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MstdpetCall C = mstdpetArgs(env, info, 7);
  const Synapses& S = C.syn;
  const double batch = static_cast<double>(S.batch), in = static_cast<double>(S.in);
  const double out = static_cast<double>(S.out), stride = static_cast<double>(S.stride);
  C.preTrace = viewArg<float>(env, info[4], napi_float32_array, "the presynaptic trace", batch * in);
  const std::uint8_t* postSpikes = viewArg<std::uint8_t>(env, info[5], napi_uint8_array, "the postsynaptic spikes", batch * out);
  const float* postTrace = viewArg<float>(env, info[6], napi_float32_array, "the postsynaptic trace", batch * out);
  float* scratch = viewArg<float>(env, info[8], napi_float32_array, "the scratch", 2 * batch * stride);
  C.aPre = floatArg(env, info[9], "aPre");
  C.aPost = floatArg(env, info[10], "aPost");
  C.decay = floatArg(env, info[11], "eTraceDecay");
  learnMstdpetUpdate(C, postSpikes, postTrace, scratch);
  return env.Undefined();
}

// mstdpetStep(weights, delays, ring, dims, eTrace: F32 [batch][in][stride], scale)
Napi::Value MstdpetStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MstdpetCall C = mstdpetArgs(env, info, 4);
  C.scale = floatArg(env, info[5], "lr * reward");
  learnMstdpetStep(C);
  return env.Undefined();
}

// fedeStdp(weights, delays, ring, dims, preTrace: F32 [batch][in], scratch: F32 [2][batch][in], lr, wInit, a)
// Returns false, changing nothing, when every presynaptic trace is 0 (no
// normalisation exists; PySNN divides by 0 and writes NaN into the weights).
Napi::Value FedeStdp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FedeCall C;
  C.syn = synapsesArg(env, info, 0);
  const Synapses& S = C.syn;
  const double batch = static_cast<double>(S.batch), in = static_cast<double>(S.in);
  C.preTrace = viewArg<float>(env, info[4], napi_float32_array, "the presynaptic trace", batch * in);
  C.scratch = viewArg<float>(env, info[5], napi_float32_array, "the scratch", 2 * batch * in);
  C.lr = floatArg(env, info[6], "lr");
  C.wInit = floatArg(env, info[7], "wInit");
  C.a = floatArg(env, info[8], "a");
  if (!allFinite(C.preTrace, S.batch * S.in)) fail(env, "Expected a finite presynaptic trace");
  return Napi::Boolean::New(env, learnFede(C));
}

// The connection for pair STDP: one delay for every synapse.
Synapses pairSynapses(Napi::Env env, const Napi::CallbackInfo& info) {
  const Synapses S = synapsesArg(env, info, 0);
  if (S.delays) fail(env, "Expected a connection without per-synapse delays for pair STDP");
  return S;
}

// pairTraces(weights, delays, ring, dims, postSpikes: U8 [batch][out], preTrace: F32 [batch][in],
//   postTrace: F32 [batch][stride], decayPre, decayPost, set)
Napi::Value PairTraces(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Synapses S = pairSynapses(env, info);
  const double batch = static_cast<double>(S.batch), in = static_cast<double>(S.in);
  const std::uint8_t* postSpikes =
      viewArg<std::uint8_t>(env, info[4], napi_uint8_array, "the postsynaptic spikes", batch * static_cast<double>(S.out));
  float* preTrace = viewArg<float>(env, info[5], napi_float32_array, "the presynaptic trace", batch * in);
  float* postTrace = viewArg<float>(env, info[6], napi_float32_array, "the postsynaptic trace", batch * static_cast<double>(S.stride));
  const float decayPre = floatArg(env, info[7], "the presynaptic decay");
  const float decayPost = floatArg(env, info[8], "the postsynaptic decay");
  const bool set = boolArg(env, info[9], "set");
  kernel::pairTraces(S, postSpikes, preTrace, postTrace, decayPre, decayPost, set);
  return env.Undefined();
}

// pairStdp(weights, delays, ring, dims, postSpikes: U8 [batch][out], preTrace: F32 [batch][in],
//   postTrace: F32 [batch][stride], arrivals: U32 [batch * in + batch + 1], aPlus, aMinus, wMin, wMax, multiplicative)
Napi::Value PairStdp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PairCall C;
  C.syn = pairSynapses(env, info);
  const Synapses& S = C.syn;
  const double batch = static_cast<double>(S.batch), in = static_cast<double>(S.in);
  C.postSpikes = viewArg<std::uint8_t>(env, info[4], napi_uint8_array, "the postsynaptic spikes", batch * static_cast<double>(S.out));
  C.preTrace = viewArg<float>(env, info[5], napi_float32_array, "the presynaptic trace", batch * in);
  C.postTrace = viewArg<float>(env, info[6], napi_float32_array, "the postsynaptic trace", batch * static_cast<double>(S.stride));
  std::uint32_t* arrivals = viewArg<std::uint32_t>(env, info[7], napi_uint32_array, "the arrival scratch", batch * in + batch + 1);
  C.aPlus = floatArg(env, info[8], "aPlus");
  C.aMinus = floatArg(env, info[9], "aMinus");
  C.wMin = floatArg(env, info[10], "wMin");
  C.wMax = floatArg(env, info[11], "wMax");
  C.multiplicative = boolArg(env, info[12], "multiplicative");
  if (!(C.wMin <= C.wMax)) fail(env, "Expected wMin <= wMax");
  learnPair(C, arrivals);
  return env.Undefined();
}

// normalizeWeights(weights, delays, ring, dims, total)
Napi::Value NormalizeWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NormalizeCall C;
  C.syn = synapsesArg(env, info, 0);
  C.total = floatArg(env, info[4], "total");
  learnNormalize(C);
  return env.Undefined();
}

}  // namespace

void registerLearning(Napi::Env env, Napi::Object exports) {
  exportFunctions(env, exports, {
      {"mstdpetUpdate", MstdpetUpdate},
      {"mstdpetStep", MstdpetStep},
      {"fedeStdp", FedeStdp},
      {"pairTraces", PairTraces},
      {"pairStdp", PairStdp},
      {"normalizeWeights", NormalizeWeights}
  });
}

}  // namespace spiking
