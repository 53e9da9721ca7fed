// The N-API layer's checks: everything JS passes is validated here before a
// kernel sees it. lib/ validates first with friendlier messages; these are
// the last line, so that nothing JS can pass reaches a kernel unchecked.
#include "checks.hpp"

#include <cmath>
#include <cstring>

namespace spiking {
namespace checks {

[[noreturn]] void fail(Napi::Env env, const std::string& message, bool typeError) {
  if (typeError) throw Napi::TypeError::New(env, message);
  throw Napi::RangeError::New(env, message);
}

bool isWhole(double x) { return std::isfinite(x) && std::floor(x) == x; }

SlabView openSlab(Napi::Env env, const Napi::Value& value, const SlabKind& kind) {
  bool isBuffer = false;
  void* data = nullptr;
  std::size_t bytes = 0;
  if (napi_is_arraybuffer(env, value, &isBuffer) != napi_ok || !isBuffer ||
      napi_get_arraybuffer_info(env, value, &data, &bytes) != napi_ok) {
    fail(env, std::string("Expected the ") + kind.noun + "'s state ArrayBuffer", true);
  }
  SlabView slab{static_cast<std::uint8_t*>(data), bytes, {}, &kind};
  const std::string name = kind.name;
  if (slab.base == nullptr || slab.bytes < static_cast<std::size_t>(kind.headerBytes)) {
    fail(env, name + " state buffer is detached or too small");
  }
  std::memcpy(slab.header, slab.base, kind.headerBytes);
  if (slab.header[0] != kind.magic) fail(env, name + " state buffer has no valid header");
  return slab;
}

std::size_t countAt(Napi::Env env, const SlabView& slab, int slot, double max) {
  const double x = slab.header[slot];
  if (!isWhole(x) || x < 0 || x > max) fail(env, std::string(slab.kind->name) + " state buffer has a corrupt size");
  return static_cast<std::size_t>(x);
}

namespace {

float finiteFloat(Napi::Env env, double x, const char* what) {
  const float f = static_cast<float>(x);
  if (!std::isfinite(f)) fail(env, std::string("Layer state buffer has a non-finite ") + what);
  return f;
}

}  // namespace

Layer decodeLayer(Napi::Env env, const SlabView& slab) {
  const double* h = slab.header;
  Layer L;
  const double model = h[slot::kModel], update = h[slot::kUpdate], n = h[slot::kCells];
  if (!isWhole(model) || model < 0 || model >= kModelCount) {
    fail(env, "Layer state buffer has an unknown model");
  }
  if (!isWhole(update) || update < 0 || update >= kUpdateCount) {
    fail(env, "Layer state buffer has an unknown update type");
  }
  if (!isWhole(n) || n < 1 || n > static_cast<double>(slab.bytes)) {
    fail(env, "Layer state buffer has a corrupt neuron count");
  }
  L.model = static_cast<Model>(static_cast<int>(model));
  L.update = static_cast<Update>(static_cast<int>(update));
  L.n = static_cast<std::size_t>(n);
  const ModelTraits& traits = spiking::traits(L.model);
  if (!(traits.updates & updateBit(L.update))) {
    fail(env, std::string("Layer state buffer has update type ") + kUpdateNames[static_cast<int>(update)] +
                  ", which " + traits.name + " does not take");
  }
  L.dt = finiteFloat(env, h[slot::kDt], "dt");
  L.vRest = finiteFloat(env, h[slot::kVRest], "vRest");
  const double steps = h[slot::kRefracSteps];
  if (!(L.dt > 0.0f) || !isWhole(steps) || steps < 0 || steps > kMaxRefracSteps) {
    fail(env, "Layer state buffer has a corrupt dt or refractory period");
  }
  if (!traits.neuronState && steps != 0) {
    fail(env, std::string("Layer state buffer has a refractory period of ") + std::to_string(static_cast<long long>(steps)) +
                  " steps for " + traits.name + ", which has none (0 expected)");
  }
  L.refracSteps = static_cast<float>(steps);

  L.trace = arrayAt<float>(env, slab, h[slot::kTrace], L.n, "trace");
  L.spikes = arrayAt<std::uint8_t>(env, slab, h[slot::kSpikes], L.n, "spikes");
  if (traits.neuronState) {
    L.v = arrayAt<float>(env, slab, h[slot::kV], L.n, "vCell");
    L.thresh = arrayAt<float>(env, slab, h[slot::kThresh], L.n, "thresh");
    L.refracCounts = arrayAt<float>(env, slab, h[slot::kRefracCounts], L.n, "refracCounts");
    L.refracLeft = arrayAt<float>(env, slab, h[slot::kRefracLeft], L.n, "refractory steps");
  }
  if (traits.theta) L.theta = arrayAt<float>(env, slab, h[slot::kTheta], L.n, "theta");
  for (int p = 0; p < kParamCount; ++p) {
    const double value = h[slot::kParams + 2 * p], offset = h[slot::kParams + 2 * p + 1];
    Param& param = L.params[p];
    if (offset != -1) {
      param.ptr = arrayAt<float>(env, slab, offset, L.n, "a per-neuron parameter");
    } else {
      param.value = finiteFloat(env, value, "parameter");
    }
  }
  return L;
}

void readEntries(Napi::Env env, const Napi::Value& value, const char* name, Entries& out) {
  out.list = value.IsArray();
  if (!out.list) {
    out.inlined[0] = value;
    out.count = 1;
    return;
  }
  Napi::Array list = value.As<Napi::Array>();
  const std::uint32_t count = list.Length();
  if (count == 0) fail(env, std::string("Expected a non-empty list for ") + name);
  if (count > Entries::kMax) {
    fail(env, std::string("Expected at most ") + std::to_string(Entries::kMax) + " entries for " +
                  name + " but received " + std::to_string(count));
  }
  if (count > Entries::kInline) out.spilled.resize(count);
  for (std::uint32_t s = 0; s < count; ++s) {
    const Napi::Value entry = list.Get(s);  // may run JS: no pointer is held yet
    if (out.spilled.empty()) {
      out.inlined[s] = entry;
    } else {
      out.spilled[s] = entry;
    }
  }
  out.count = count;
}

namespace {
Segment floatSegment(Napi::Env env, const Napi::Value& value, std::size_t n, const char* name) {
  const TypedView array = typedView(value);
  if (array.type != napi_float32_array) {
    fail(env, std::string("Expected a Float32Array (or a list of them) for ") + name, true);
  }
  if (array.length == 0 || array.length % n != 0) {
    fail(env, std::string("Expected ") + name + " to hold a whole multiple of " +
                  std::to_string(n) + " values but it holds " + std::to_string(array.length));
  }
  return Segment{static_cast<const float*>(array.data), array.length / n};
}

void collect(Napi::Env env, const Entries& entries, std::size_t n, const char* name, Segments& out) {
  if (entries.count > Segments::kInline) out.spilled.resize(entries.count);
  Segment* segments = out.data();
  for (std::size_t s = 0; s < entries.count; ++s) {
    segments[s] = floatSegment(env, entries[s], n, name);
  }
  out.count = entries.count;
}
}  // namespace

Drive stepDrive(Napi::Env env, const Layer& layer, const Entries& xEntries,
                const Entries& preEntries, Segments& xs, Segments& pres) {
  Drive drive;
  const ModelTraits& model = traits(layer.model);
  if (!model.folds) {
    if (xEntries.list) fail(env, "Expected a Float32Array or Uint8Array for x", true);
    const TypedView x = typedView(xEntries[0]);
    if (x.type != napi_float32_array && x.type != napi_uint8_array) {
      fail(env, "Expected a Float32Array or Uint8Array for x", true);
    }
    if (x.length != layer.n) fail(env, "Expected x to hold " + std::to_string(layer.n) + " values");
    if (x.type == napi_uint8_array) {
      drive.bytes = static_cast<const std::uint8_t*>(x.data);
    } else {
      xs.inlined[0] = Segment{static_cast<const float*>(x.data), 1};
      xs.count = 1;
    }
  } else {
    collect(env, xEntries, layer.n, "x", xs);
    if (model.preTrace) {
      collect(env, preEntries, layer.n, "preTrace", pres);
      bool same = pres.count == xs.count;
      for (std::size_t s = 0; same && s < xs.count; ++s) {
        same = pres.data()[s].width == xs.data()[s].width;
      }
      if (!same) fail(env, "Expected preTrace to have the same layout as x");
      drive.preTrace = pres.data();
    }
  }
  drive.x = xs.data();
  drive.segments = xs.count;
  return drive;
}

TypedView typedView(const Napi::Value& value) {
  TypedView view;
  bool isTyped = false;
  if (napi_is_typedarray(value.Env(), value, &isTyped) != napi_ok || !isTyped) return view;
  if (napi_get_typedarray_info(value.Env(), value, &view.type, &view.length, &view.data, nullptr,
                               nullptr) != napi_ok) {
    view.type = napi_bigint64_array;
  }
  return view;
}

TypedView typedArg(Napi::Env env, const Napi::Value& value, napi_typedarray_type type, const char* name,
                   std::size_t length) {
  const TypedView view = typedView(value);
  if (view.type != type) fail(env, std::string("Expected a typed array of the right type for ") + name, true);
  if (length != 0 && view.length != length) {
    fail(env, std::string("Expected ") + name + " to hold " + std::to_string(length) + " values but it holds " +
                  std::to_string(view.length));
  }
  return view;
}

std::size_t wholeCount(Napi::Env env, const Napi::Value& value, const char* name, double max) {
  if (!value.IsNumber()) fail(env, std::string("Expected a whole number for ") + name, true);
  const double x = value.As<Napi::Number>().DoubleValue();
  if (!isWhole(x) || x < 1 || x > max) {
    fail(env, std::string("Expected a whole number from 1 to ") + std::to_string(max) + " for " +
                  name);
  }
  return static_cast<std::size_t>(x);
}

RunPlan runInputs(Napi::Env env, const Layer& layer, std::size_t steps, const Napi::Value& x,
                  const Napi::Value& preTrace) {
  RunPlan plan;
  plan.steps = steps;
  const std::size_t rows = steps * layer.n;
  const TypedView input = typedView(x);
  const napi_typedarray_type type = input.type;
  const bool bytesAllowed = !traits(layer.model).folds;
  if (type != napi_float32_array && !(bytesAllowed && type == napi_uint8_array)) {
    fail(env, bytesAllowed ? "Expected a Float32Array or Uint8Array for x"
                           : "Expected a Float32Array for x",
         true);
  }
  const std::size_t length = input.length;
  if (length == 0 || length % rows != 0 || (bytesAllowed && length != rows)) {
    fail(env, "Expected x to hold " + std::to_string(rows) + (bytesAllowed ? "" : "*k") +
                  " values (steps x neurons" + (bytesAllowed ? "" : " x k") + ") but it holds " +
                  std::to_string(length));
  }
  plan.width = length / rows;
  if (type == napi_uint8_array) {
    plan.bytes = static_cast<const std::uint8_t*>(input.data);
  } else {
    plan.x = static_cast<const float*>(input.data);
  }
  if (traits(layer.model).preTrace) {
    const TypedView pre = typedView(preTrace);
    if (pre.type != napi_float32_array || pre.length != length) {
      fail(env, "Expected preTrace to be a Float32Array of the length of x", true);
    }
    plan.preTrace = static_cast<const float*>(pre.data);
  }
  return plan;
}

std::size_t stepCount(Napi::Env env, const Napi::Value& value, const Layer& layer) {
  constexpr double kMaxRows = 4503599627370496.0;
  return wholeCount(env, value, "steps", std::floor(kMaxRows / static_cast<double>(layer.n)));
}

namespace {
// The names of the records a model has, for messages: "trace" or "vCell, trace, ...".
std::string recordNames(Model model) {
  std::string names;
  for (int r = 0; r < kRecordCount; ++r) {
    if (!(recordMask(model) & (1u << r))) continue;
    if (!names.empty()) names += ", ";
    names += kRecordTraits[r].name;
  }
  return names;
}
}  // namespace

std::uint32_t recordMaskArg(Napi::Env env, const Napi::Value& value, const Layer& layer) {
  if (!value.IsNumber()) fail(env, "Expected a record mask", true);
  const double mask = value.As<Napi::Number>().DoubleValue();
  const std::uint32_t allowed = recordMask(layer.model);
  if (!isWhole(mask) || mask < 0 || mask > allowed || (static_cast<std::uint32_t>(mask) & ~allowed) != 0) {
    fail(env, std::string("Expected a record mask of ") + traits(layer.model).name + "'s records (" +
                  recordNames(layer.model) + ")");
  }
  return static_cast<std::uint32_t>(mask);
}

void runOutputs(Napi::Env env, const Layer& layer, std::size_t steps, const Napi::Value& spikes,
                const Entries& records, RunPlan& plan) {
  const std::size_t rows = steps * layer.n;
  const TypedView spikeOut = typedView(spikes);
  if (spikeOut.type != napi_uint8_array || spikeOut.length != rows) {
    fail(env, "Expected a Uint8Array of steps x neurons for the spikes output", true);
  }
  plan.spikes = static_cast<std::uint8_t*>(spikeOut.data);
  if (!records.list && (records[0].IsUndefined() || records[0].IsNull())) return;
  if (!records.list || records.count != kRecordCount) {
    fail(env, "Expected a list of " + std::to_string(kRecordCount) + " record outputs (or null)", true);
  }
  for (int r = 0; r < kRecordCount; ++r) {
    const Napi::Value& out = records[r];
    if (out.IsUndefined() || out.IsNull()) continue;
    const TypedView recordOut = typedView(out);
    if (recordOut.type != napi_float32_array || recordOut.length != rows) {
      fail(env, "Expected a Float32Array of steps x neurons for a record output", true);
    }
    if (!(recordMask(layer.model) & (1u << r))) {
      fail(env, std::string(traits(layer.model).name) + " records only " + recordNames(layer.model) + ", not " +
                    kRecordTraits[r].name);
    }
    plan.records[r] = static_cast<float*>(recordOut.data);
  }
}

}  // namespace checks
}  // namespace spiking
