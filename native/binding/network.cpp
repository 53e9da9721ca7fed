// The N-API layer of the network engine: networkRun checks a compiled network
// (lib/network/plan.ts) and forwards it to runtime/plan.cpp. Like the rest of
// the binding it owns nothing and keeps no pointer past the call. Every list
// is read whole before any pointer into JS memory is taken (reading an entry
// may run JS); then every slab and array is checked against the others.
#include "exports.hpp"
#include "network.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "borrowed_work.hpp"
#include "checks.hpp"
#include "connections.hpp"
#include "plan_rules.hpp"
#include "../abi/connection_layout.hpp"
#include "../runtime/blocks.hpp"
#include "../runtime/plan.hpp"

namespace spiking {
namespace {

using namespace checks;

constexpr double kTwo32 = 4294967296.0;
constexpr double kTwo53 = 9007199254740992.0;

// A list's entries, read whole (Get may run JS; nothing is held yet).
std::vector<Napi::Value> entries(Napi::Env env, const Napi::Value& value, const std::string& name) {
  if (!value.IsArray()) fail(env, "Expected a list for " + name, true);
  Napi::Array list = value.As<Napi::Array>();
  const std::uint32_t count = list.Length();
  if (count > 65536) fail(env, "Expected at most 65536 entries for " + name);
  std::vector<Napi::Value> out(count);
  for (std::uint32_t i = 0; i < count; ++i) out[i] = list.Get(i);
  return out;
}

double number(Napi::Env env, const Napi::Value& value, const std::string& name, double min, double max) {
  if (!value.IsNumber()) fail(env, "Expected a number for " + name, true);
  const double x = value.As<Napi::Number>().DoubleValue();
  if (!isWhole(x) || x < min || x > max) {
    fail(env, "Expected a whole number in [" + std::to_string(min) + ", " + std::to_string(max) + "] for " + name);
  }
  return x;
}

// A typed array of the given type and, when length is not 0, exactly that many elements.
void* array(Napi::Env env, const Napi::Value& value, napi_typedarray_type type, std::size_t length,
            const std::string& name, std::size_t* got = nullptr) {
  const TypedView view = typedView(value);
  if (view.type != type) fail(env, "Expected a typed array of the right type for " + name, true);
  if (length != 0 && view.length != length) {
    fail(env, "Expected " + name + " to hold " + std::to_string(length) + " values but it holds " +
                  std::to_string(view.length));
  }
  if (got) *got = view.length;
  return view.data;
}

struct RawLayer {
  std::vector<Napi::Value> fields, incoming, source;
};

// The JS values a plan points into (slabs, arrays): networkRunAsync holds them until it settles.
using Kept = std::vector<Napi::Value>;

// layers: [slab, x | null, current | null, zeros | null, counts, incoming[], source | null]
// source: [kind, perSample, key0, key1, firstSample, domain, thresholds | base, window, jitter]
void decodeLayers(Napi::Env env, const std::vector<RawLayer>& raw, std::size_t connections, NetworkPlan& plan,
                  Kept& kept) {
  std::size_t batch = 0;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    const std::string where = "layers[" + std::to_string(k) + "]";
    const std::vector<Napi::Value>& f = raw[k].fields;
    for (int i : {0, 1, 2, 3, 4}) kept.push_back(f[i]);
    if (!raw[k].source.empty()) kept.push_back(raw[k].source[6]);
    PlanLayer p;
    p.layer = decodeLayer(env, openSlab(env, f[0]));
    const std::size_t n = p.layer.n;
    std::size_t counts = 0;
    p.counts = static_cast<double*>(array(env, f[4], napi_float64_array, 0, where + ".counts", &counts));
    if (counts == 0 || n % counts != 0) fail(env, "Expected " + where + ".counts to hold one count per sample");
    if (k == 0) batch = counts;
    if (counts != batch) fail(env, "Expected every layer of the network to have the batch size of the first");
    p.batch = batch;
    p.perSample = n / batch;
    p.input = p.layer.model == Model::Input;
    if (p.input) {
      p.x = static_cast<std::uint8_t*>(array(env, f[1], napi_uint8_array, n, where + ".x"));
      if (!raw[k].incoming.empty()) fail(env, "Expected no connections into input layer " + where);
    } else {
      p.current = static_cast<float*>(array(env, f[2], napi_float32_array, n, where + ".current"));
      if (p.layer.model == Model::Fede) {
        p.zeros = static_cast<const float*>(array(env, f[3], napi_float32_array, n, where + ".zeros"));
      }
    }
    for (std::size_t i = 0; i < raw[k].incoming.size(); ++i) {
      p.incoming.push_back(static_cast<std::size_t>(
          number(env, raw[k].incoming[i], where + ".incoming[" + std::to_string(i) + "]", 0,
                 static_cast<double>(connections) - 1)));
    }
    const std::vector<Napi::Value>& s = raw[k].source;
    if (!s.empty()) {
      if (!p.input) fail(env, "Expected a source only on an input layer, not on " + where);
      PlanSource& src = p.source;
      src.kind = static_cast<SourceKind>(static_cast<int>(number(env, s[0], where + ".source kind", 1, 2)));
      src.perSample = static_cast<std::size_t>(number(env, s[1], where + ".source perSample", 1, kTwo53));
      if (src.perSample != p.perSample) fail(env, "Expected the source of " + where + " to have the layer's shape");
      src.key0 = static_cast<std::uint32_t>(number(env, s[2], where + ".source key0", 0, kTwo32 - 1));
      src.key1 = static_cast<std::uint32_t>(number(env, s[3], where + ".source key1", 0, kTwo32 - 1));
      const double firstSample = number(env, s[4], where + ".source firstSample", 0, kTwo32 - 1);
      if (firstSample + static_cast<double>(batch) > kTwo32) fail(env, "Expected firstSample + batch <= 2^32");
      src.firstSample = static_cast<std::uint32_t>(firstSample);
      src.domain = static_cast<std::uint32_t>(number(env, s[5], where + ".source domain", 0, kTwo32 - 1));
      if (src.kind == SourceKind::Poisson) {
        std::size_t length = 0;
        src.thresholds = static_cast<const double*>(array(env, s[6], napi_float64_array, 0, where + ".source thresholds", &length));
        src.shared = length == p.perSample;
        if (!src.shared && length != n) fail(env, "Expected the thresholds of " + where + " per neuron of a sample or of the batch");
      } else {
        src.base = static_cast<const std::int32_t*>(array(env, s[6], napi_int32_array, n, where + ".source base"));
        src.window = number(env, s[7], where + ".source window", 1, kTwo53);
        src.jitter = number(env, s[8], where + ".source jitter", 0, kTwo53);
      }
    }
    plan.layers.push_back(std::move(p));
  }
}

// connections: [slab, from, to]; the mode follows from the target (Fede: difference).
void decodeConnections(Napi::Env env, const std::vector<std::vector<Napi::Value>>& raw, NetworkPlan& plan, Kept& kept) {
  std::vector<int> seen(raw.size(), 0);
  for (std::size_t t = 0; t < plan.layers.size(); ++t) {
    for (std::size_t c : plan.layers[t].incoming) {
      if (seen[c]++) fail(env, "Expected every connection in exactly one layer's incoming list");
    }
  }
  for (std::size_t c = 0; c < raw.size(); ++c) {
    const std::string where = "connections[" + std::to_string(c) + "]";
    if (!seen[c]) fail(env, "Expected " + where + " in its target's incoming list");
    const double layers = static_cast<double>(plan.layers.size()) - 1;
    PlanConnection conn;
    kept.push_back(raw[c][0]);
    const SlabView slab = openSlab(env, raw[c][0], kConnectionSlab);
    conn.link = decodeConnection(env, slab);
    conn.headSlot = slab.base + connslot::kHead * sizeof(double);
    conn.ring = conn.link.ring;
    conn.from = static_cast<std::size_t>(number(env, raw[c][1], where + ".from", 0, layers));
    const std::size_t to = static_cast<std::size_t>(number(env, raw[c][2], where + ".to", 0, layers));
    bool listed = false;
    for (std::size_t i : plan.layers[to].incoming) listed = listed || i == c;
    if (!listed) fail(env, "Expected " + where + " in the incoming list of its target");
    const PlanLayer& from = plan.layers[conn.from];
    const PlanLayer& target = plan.layers[to];
    if (conn.link.batch != target.batch || conn.link.in != from.perSample || conn.link.out != target.perSample) {
      fail(env, "Expected " + where + " to fit its layers (batch, in, out)");
    }
    conn.link.mode = target.layer.model == Model::Fede ? ConnectionMode::Difference : ConnectionMode::Current;
    plan.connections.push_back(conn);
  }
}

// taps: [layer, variable, out] with out of steps x n (Uint8Array for spikes, else Float32Array), or
// of n (Uint32Array) for spike counts, added to.
void decodeTaps(Napi::Env env, const std::vector<std::vector<Napi::Value>>& raw, std::size_t steps, NetworkPlan& plan,
                Kept& kept) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::string where = "taps[" + std::to_string(i) + "]";
    PlanTap tap;
    kept.push_back(raw[i][2]);
    tap.layer = static_cast<std::size_t>(number(env, raw[i][0], where + ".layer", 0, static_cast<double>(plan.layers.size()) - 1));
    tap.variable = static_cast<TapVariable>(static_cast<int>(number(env, raw[i][1], where + ".variable", 0, 6)));
    const Layer& L = plan.layers[tap.layer].layer;
    if (tap.variable == TapVariable::SpikeCounts) {
      tap.out = array(env, raw[i][2], napi_uint32_array, L.n, where + ".out (spike counts, one per neuron)");
      plan.taps.push_back(tap);
      continue;
    }
    const bool neuronOnly = tap.variable != TapVariable::Spikes && tap.variable != TapVariable::Trace;
    if (neuronOnly && L.model == Model::Input) fail(env, "Expected " + where + " to tap spikes or trace of an input layer");
    if (tap.variable == TapVariable::Theta && !traits(L.model).theta) {
      fail(env, "Expected " + where + " to tap theta of a layer that has it (" + traits(L.model).name + " has none)");
    }
    std::size_t length = 0;
    tap.out = array(env, raw[i][2], tap.variable == TapVariable::Spikes ? napi_uint8_array : napi_float32_array, 0,
                    where + ".out", &length);
    if (length / L.n < steps) fail(env, "Expected " + where + ".out to hold steps x n values");
    plan.taps.push_back(tap);
  }
}

std::vector<std::vector<Napi::Value>> rows(Napi::Env env, const Napi::Value& value, const std::string& name,
                                           std::size_t width) {
  std::vector<std::vector<Napi::Value>> out;
  for (const Napi::Value& row : entries(env, value, name)) {
    out.push_back(entries(env, row, name + " entry"));
    if (out.back().size() != width) fail(env, "Expected " + std::to_string(width) + " fields in each " + name + " entry");
  }
  return out;
}

struct Decoded {
  NetworkPlan plan;
  std::uint64_t first = 0;
  std::size_t steps = 0;
  Kept kept;
  std::unique_ptr<PlanLearning> learning = std::make_unique<PlanLearning>();  // the hook's context: it must not move
};

// (layers, connections, taps, first, steps) as a plan, every part checked;
// info[rulesAt], when given, lists the learning rules (plan_rules.hpp).
Decoded decodePlan(const Napi::CallbackInfo& info, std::size_t rulesAt) {
  Napi::Env env = info.Env();
  // Read everything first: no pointer into JS memory is taken before this ends.
  std::vector<RawLayer> layers;
  for (const Napi::Value& row : entries(env, info[0], "layers")) {
    RawLayer raw;
    raw.fields = entries(env, row, "layers entry");
    if (raw.fields.size() != 7) fail(env, "Expected 7 fields in each layers entry");
    raw.incoming = entries(env, raw.fields[5], "incoming");
    if (!raw.fields[6].IsNull() && !raw.fields[6].IsUndefined()) {
      raw.source = entries(env, raw.fields[6], "source");
      if (raw.source.size() != 9) fail(env, "Expected 9 fields in a source");
    }
    layers.push_back(std::move(raw));
  }
  const auto connections = rows(env, info[1], "connections", 3);
  const auto taps = rows(env, info[2], "taps", 3);
  const bool learns = !info[rulesAt].IsUndefined() && !info[rulesAt].IsNull();
  const auto rules = learns ? rows(env, info[rulesAt], "rules", 5) : std::vector<std::vector<Napi::Value>>{};
  const double first = number(env, info[3], "first", 0, kTwo53);
  const double steps = number(env, info[4], "steps", 0, kTwo53);
  if (layers.empty()) fail(env, "Expected at least one layer");

  Decoded d;
  decodeLayers(env, layers, connections.size(), d.plan, d.kept);
  decodeConnections(env, connections, d.plan, d.kept);
  decodeTaps(env, taps, static_cast<std::size_t>(steps), d.plan, d.kept);
  decodeRules(env, rules, static_cast<std::size_t>(steps), d.plan, *d.learning, d.kept);
  d.learning->first = static_cast<std::uint64_t>(first);
  installLearning(d.plan, *d.learning);
  for (const PlanLayer& p : d.plan.layers) {
    if (p.source.kind != SourceKind::None && first + steps > kTwo32) {
      fail(env, "Expected the steps of a network with an encoder to stay below 2^32");
    }
  }
  d.first = static_cast<std::uint64_t>(first);
  d.steps = static_cast<std::size_t>(steps);
  return d;
}

// networkRun(layers, connections, taps, first, steps, rules?): runs steps
// [first, first + steps) of the compiled network in one call.
Napi::Value NetworkRun(const Napi::CallbackInfo& info) {
  Decoded d = decodePlan(info, 5);
  runPlan(d.plan, d.first, d.steps);
  return info.Env().Undefined();
}

// The plan run on a libuv thread, on the network's own buffers (borrowed).
class NetworkRunWork : public BorrowedWork {
 public:
  NetworkRunWork(Napi::Env env, Decoded decoded, std::int32_t* control)
      : BorrowedWork(env, "Network.runAsync"), d_(std::move(decoded)) {
    d_.plan.control = control;
    for (const Napi::Value& value : d_.kept) {
      if (value.IsObject()) borrow(value);  // the arrays and slabs (not the nulls of unused slots)
    }
  }

 protected:
  void execute() override { ran_ = runPlan(d_.plan, d_.first, d_.steps); }
  Napi::Value settle(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(ran_)); }

 private:
  Decoded d_;
  std::size_t ran_ = 0;
};

// networkRunAsync(layers, connections, taps, first, steps, control, rules?) -> Promise<steps run>:
// networkRun off the event loop. control: an Int32Array of 2 (lib/ puts it on
// a SharedArrayBuffer and writes it with Atomics); setting [0] to non-zero
// stops the run at the next step boundary, [1] counts the steps done.
Napi::Value NetworkRunAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Value controlValue = info[5];
  Decoded d = decodePlan(info, 6);
  const TypedView control = typedView(controlValue);
  if (control.type != napi_int32_array || control.length != 2) {
    fail(env, "Expected an Int32Array of 2 (on a SharedArrayBuffer) for control", true);
  }
  d.kept.push_back(controlValue);
  return BorrowedWork::start(std::make_unique<NetworkRunWork>(env, std::move(d), static_cast<std::int32_t*>(control.data)));
}

// blockSteps() -> the forced steps per block of the engine, 0 for automatic.
Napi::Value GetBlockSteps(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(forcedBlockSteps()));
}

// setBlockSteps(steps): 0 (automatic) to kMaxBlockSteps.
Napi::Value SetBlockSteps(const Napi::CallbackInfo& info) {
  forceBlockSteps(static_cast<std::size_t>(number(info.Env(), info[0], "steps per block", 0, static_cast<double>(kMaxBlockSteps))));
  return info.Env().Undefined();
}

}  // namespace

void registerNetworkPlan(Napi::Env env, Napi::Object exports) {
  // A bad setting is an error at load, never silently replaced by a default.
  const std::string blocksProblem = blockStepsVariableProblem();
  if (!blocksProblem.empty()) throw Napi::Error::New(env, blocksProblem);
  exportFunctions(env, exports, {
      {"networkRun", NetworkRun},
      {"networkRunAsync", NetworkRunAsync},
      {"blockSteps", GetBlockSteps},
      {"setBlockSteps", SetBlockSteps}
  });
  exports["maxBlockSteps"] = static_cast<double>(kMaxBlockSteps);
  exports["autoBlockSteps"] = static_cast<double>(kAutoBlockSteps);
}

}  // namespace spiking
