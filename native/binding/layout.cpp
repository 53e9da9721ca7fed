#include "layout.hpp"

#include <cstddef>
#include <cstdint>

#include "../abi/connection_layout.hpp"
#include "../abi/layer_layout.hpp"

namespace spiking {
namespace {

template <std::size_t N>
Napi::Object named(Napi::Env env, const Named (&table)[N]) {
  Napi::Object out = Napi::Object::New(env);
  for (const Named& entry : table) out.Set(entry.name, entry.value);
  return out;
}

// The names whose bit is set in `mask` (all of them for ~0u), in table order.
Napi::Array strings(Napi::Env env, const char* const* table, int count, std::uint32_t mask = ~0u) {
  Napi::Array out = Napi::Array::New(env);
  for (int i = 0; i < count; ++i) {
    if (mask & (1u << i)) out.Set(out.Length(), table[i]);
  }
  return out;
}

Napi::Array recordNames(Napi::Env env, std::uint32_t mask) {
  const char* table[kRecordCount];
  for (int r = 0; r < kRecordCount; ++r) table[r] = kRecordTraits[r].name;
  return strings(env, table, kRecordCount, mask);
}

// eventEntries(batch, in, rows, perSynapse): the event scratch's uint32 entries.
Napi::Value EventEntries(const Napi::CallbackInfo& info) {
  double size[3];
  for (int i = 0; i < 3; ++i) {
    if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "Expected batch, in and rows as numbers");
    size[i] = info[i].As<Napi::Number>().DoubleValue();
  }
  return Napi::Number::New(info.Env(), eventEntries(size[0], size[1], size[2], info[3].ToBoolean().Value()));
}

}  // namespace

Napi::Object layerLayout(Napi::Env env) {
  Napi::Object models = Napi::Object::New(env);
  Napi::Object recordsOf = Napi::Object::New(env);
  Napi::Object updatesOf = Napi::Object::New(env);
  for (int m = 0; m < kModelCount; ++m) {
    models.Set(kModelTraits[m].name, m);
    recordsOf.Set(kModelTraits[m].name, recordNames(env, recordMask(static_cast<Model>(m))));
    updatesOf.Set(kModelTraits[m].name, strings(env, kUpdateNames, kUpdateCount, kModelTraits[m].updates));
  }
  Napi::Object updates = Napi::Object::New(env);
  for (int u = 0; u < kUpdateCount; ++u) updates.Set(kUpdateNames[u], u);

  Napi::Object layout = Napi::Object::New(env);
  layout["slots"] = named(env, kSlots);
  layout["models"] = models;
  layout["updates"] = updates;
  layout["params"] = strings(env, kParamNames, kParamCount);
  layout["records"] = recordNames(env, ~0u);
  layout["recordsOf"] = recordsOf;
  layout["updatesOf"] = updatesOf;
  layout["magic"] = kSlabMagic;
  layout["headerBytes"] = kHeaderBytes;
  layout["maxRefracSteps"] = kMaxRefracSteps;
  return layout;
}

Napi::Object connectionLayout(Napi::Env env) {
  Napi::Object layout = Napi::Object::New(env);
  layout["eventEntries"] = Napi::Function::New(env, EventEntries, "eventEntries");
  layout["slots"] = named(env, kConnectionSlots);
  layout["modes"] = named(env, kConnectionModes);
  layout["magic"] = kConnectionMagic;
  layout["headerBytes"] = kConnectionHeaderBytes;
  layout["pad"] = kConnectionPad;
  layout["maxDelay"] = kMaxDelaySteps;
  return layout;
}

}  // namespace spiking
