// The N-API layer: checks what JS passed, turns it into a Layer and a Drive,
// and forwards to the active kernel. It owns nothing and keeps no pointer
// past the call. lib/ validates first with friendlier messages; these checks
// are the last line, so that nothing JS can pass reaches a kernel unchecked.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels.hpp"
#include "layout.hpp"

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

[[noreturn]] void fail(Napi::Env env, const std::string& message, bool typeError = false) {
  if (typeError) throw Napi::TypeError::New(env, message);
  throw Napi::RangeError::New(env, message);
}

bool isWhole(double x) { return std::isfinite(x) && std::floor(x) == x; }

struct SlabView {
  std::uint8_t* base;
  std::size_t bytes;
  double header[slot::kCount];
};

SlabView openSlab(Napi::Env env, const Napi::Value& value) {
  if (!value.IsArrayBuffer()) fail(env, "Expected the layer's state ArrayBuffer", true);
  Napi::ArrayBuffer buffer = value.As<Napi::ArrayBuffer>();
  SlabView slab{static_cast<std::uint8_t*>(buffer.Data()), buffer.ByteLength(), {}};
  if (slab.base == nullptr || slab.bytes < static_cast<std::size_t>(kHeaderBytes)) {
    fail(env, "Layer state buffer is detached or too small");
  }
  std::memcpy(slab.header, slab.base, kHeaderBytes);
  if (slab.header[slot::kMagic] != kSlabMagic) fail(env, "Layer state buffer has no valid header");
  return slab;
}

// An array of n elements of `size` bytes at the offset in header slot `at`.
template <class T>
T* arrayAt(Napi::Env env, const SlabView& slab, double offset, std::size_t n, const char* what) {
  if (!isWhole(offset) || offset < kHeaderBytes || std::fmod(offset, alignof(T)) != 0 ||
      offset > static_cast<double>(slab.bytes) ||
      (slab.bytes - static_cast<std::size_t>(offset)) / sizeof(T) < n) {
    fail(env, std::string("Layer state buffer has a corrupt offset for ") + what);
  }
  return reinterpret_cast<T*>(slab.base + static_cast<std::size_t>(offset));
}

float finiteFloat(Napi::Env env, double x, const char* what) {
  const float f = static_cast<float>(x);
  if (!std::isfinite(f)) fail(env, std::string("Layer state buffer has a non-finite ") + what);
  return f;
}

Layer decodeLayer(Napi::Env env, const SlabView& slab) {
  const double* h = slab.header;
  Layer L;
  const double model = h[slot::kModel], update = h[slot::kUpdate], n = h[slot::kCells];
  if (!isWhole(model) || model < 0 || model > static_cast<double>(Model::Fede)) {
    fail(env, "Layer state buffer has an unknown model");
  }
  if (!isWhole(update) || update < 0 || update > 1) {
    fail(env, "Layer state buffer has an unknown update type");
  }
  if (!isWhole(n) || n < 1 || n > static_cast<double>(slab.bytes)) {
    fail(env, "Layer state buffer has a corrupt neuron count");
  }
  L.model = static_cast<Model>(static_cast<int>(model));
  L.update = static_cast<Update>(static_cast<int>(update));
  L.n = static_cast<std::size_t>(n);
  L.dt = finiteFloat(env, h[slot::kDt], "dt");
  L.vRest = finiteFloat(env, h[slot::kVRest], "vRest");
  const double steps = h[slot::kRefracSteps];
  if (!(L.dt > 0.0f) || !isWhole(steps) || steps < 0 || steps > kMaxRefracSteps) {
    fail(env, "Layer state buffer has a corrupt dt or refractory period");
  }
  L.refracSteps = static_cast<float>(steps);
  if (L.model == Model::Input) L.refracSteps = 0.0f;
  if (L.model == Model::Fede) L.update = Update::Exponential;

  L.trace = arrayAt<float>(env, slab, h[slot::kTrace], L.n, "trace");
  L.spikes = arrayAt<std::uint8_t>(env, slab, h[slot::kSpikes], L.n, "spikes");
  if (L.model != Model::Input) {
    L.v = arrayAt<float>(env, slab, h[slot::kV], L.n, "vCell");
    L.thresh = arrayAt<float>(env, slab, h[slot::kThresh], L.n, "thresh");
    L.refracCounts = arrayAt<float>(env, slab, h[slot::kRefracCounts], L.n, "refracCounts");
    L.refracLeft = arrayAt<float>(env, slab, h[slot::kRefracLeft], L.n, "refractory steps");
  }
  for (int p = 0; p < static_cast<int>(ParamId::Count); ++p) {
    const double value = h[slot::kParams + 2 * p], offset = h[slot::kParams + 2 * p + 1];
    Param& param = L.params[p];
    param.value = static_cast<float>(value);
    if (offset != -1) param.ptr = arrayAt<float>(env, slab, offset, L.n, "a per-neuron parameter");
  }
  return L;
}

// Float32 inputs of layout (n, width), one array or a list of them.
struct Segments {
  static constexpr std::size_t kInline = 16;
  Segment inlined[kInline];
  std::vector<Segment> spilled;  // only for lists longer than kInline
  std::size_t count = 0;

  Segment* data() { return spilled.empty() ? inlined : spilled.data(); }
};

Segment floatSegment(Napi::Env env, const Napi::Value& value, std::size_t n, const char* name) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    fail(env, std::string("Expected a Float32Array (or a list of them) for ") + name, true);
  }
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  const std::size_t length = array.ElementLength();
  if (length == 0 || length % n != 0) {
    fail(env, std::string("Expected ") + name + " to hold a whole multiple of " +
                  std::to_string(n) + " values but it holds " + std::to_string(length));
  }
  return Segment{array.Data(), length / n};
}

void collect(Napi::Env env, const Napi::Value& value, std::size_t n, const char* name,
             Segments& out) {
  if (!value.IsArray()) {
    out.inlined[0] = floatSegment(env, value, n, name);
    out.count = 1;
    return;
  }
  Napi::Array list = value.As<Napi::Array>();
  const std::size_t count = list.Length();
  if (count == 0) fail(env, std::string("Expected a non-empty list for ") + name);
  if (count > Segments::kInline) out.spilled.resize(count);
  Segment* segments = out.data();
  for (std::size_t s = 0; s < count; ++s) {
    segments[s] = floatSegment(env, list.Get(static_cast<std::uint32_t>(s)), n, name);
  }
  out.count = count;
}

Napi::Value Step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SlabView slab = openSlab(env, info[0]);
  const Layer layer = decodeLayer(env, slab);
  Drive drive;
  Segments x, preTrace;

  if (layer.model == Model::Input) {
    const Napi::Value value = info[1];
    const bool typed = value.IsTypedArray();
    const napi_typedarray_type type =
        typed ? value.As<Napi::TypedArray>().TypedArrayType() : napi_int8_array;
    if (!typed || (type != napi_float32_array && type != napi_uint8_array)) {
      fail(env, "Expected a Float32Array or Uint8Array for x", true);
    }
    if (value.As<Napi::TypedArray>().ElementLength() != layer.n) {
      fail(env, "Expected x to hold " + std::to_string(layer.n) + " values");
    }
    if (type == napi_uint8_array) {
      drive.bytes = value.As<Napi::Uint8Array>().Data();
    } else {
      x.inlined[0] = Segment{value.As<Napi::Float32Array>().Data(), 1};
      x.count = 1;
    }
  } else {
    collect(env, info[1], layer.n, "x", x);
    if (layer.model == Model::Fede) {
      collect(env, info[2], layer.n, "preTrace", preTrace);
      bool same = preTrace.count == x.count;
      for (std::size_t s = 0; same && s < x.count; ++s) {
        same = preTrace.data()[s].width == x.data()[s].width;
      }
      if (!same) fail(env, "Expected preTrace to have the same layout as x");
      drive.preTrace = preTrace.data();
    }
  }
  drive.x = x.data();
  drive.segments = x.count;

  activeInstructionSet().step(layer, drive, 0, layer.n);
  return env.Undefined();
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

Napi::Object Layout(Napi::Env env) {
  Napi::Object slots = Napi::Object::New(env);
  slots["magic"] = slot::kMagic;
  slots["model"] = slot::kModel;
  slots["update"] = slot::kUpdate;
  slots["cells"] = slot::kCells;
  slots["dt"] = slot::kDt;
  slots["vRest"] = slot::kVRest;
  slots["refracSteps"] = slot::kRefracSteps;
  slots["vCell"] = slot::kV;
  slots["trace"] = slot::kTrace;
  slots["refracCounts"] = slot::kRefracCounts;
  slots["refracLeft"] = slot::kRefracLeft;
  slots["thresh"] = slot::kThresh;
  slots["spikes"] = slot::kSpikes;
  slots["params"] = slot::kParams;
  slots["count"] = slot::kCount;

  Napi::Object models = Napi::Object::New(env);
  models["Input"] = static_cast<int>(Model::Input);
  models["IFNeuron"] = static_cast<int>(Model::IF);
  models["LIFNeuron"] = static_cast<int>(Model::LIF);
  models["AdaptiveLIFNeuron"] = static_cast<int>(Model::AdaptiveLIF);
  models["FedeNeuron"] = static_cast<int>(Model::Fede);

  Napi::Array params = Napi::Array::New(env);
  const char* names[] = {"alphaV", "alphaT", "tauV", "tauT", "alphaThresh", "tauThresh"};
  for (int p = 0; p < static_cast<int>(ParamId::Count); ++p) params.Set(p, names[p]);

  Napi::Object layout = Napi::Object::New(env);
  layout["slots"] = slots;
  layout["models"] = models;
  layout["params"] = params;
  layout["magic"] = kSlabMagic;
  layout["headerBytes"] = kHeaderBytes;
  layout["maxRefracSteps"] = kMaxRefracSteps;
  return layout;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports["step"] = Napi::Function::New(env, Step, "step");
  exports["instructionSets"] = Napi::Function::New(env, InstructionSets, "instructionSets");
  exports["instructionSet"] = Napi::Function::New(env, ActiveInstructionSet, "instructionSet");
  exports["setInstructionSet"] =
      Napi::Function::New(env, SelectInstructionSet, "setInstructionSet");
  exports["layout"] = Layout(env);
  exports["buildSystem"] = Napi::String::New(env, SPIKING_BUILD_SYSTEM);
  exports["sanitized"] = Napi::Boolean::New(env, kSanitized);
  return exports;
}

}  // namespace
}  // namespace spiking

Napi::Object InitSpiking(Napi::Env env, Napi::Object exports) {
  return spiking::Init(env, exports);
}

NODE_API_MODULE(spiking, InitSpiking)
