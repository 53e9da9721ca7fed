// The contracts of native/abi as JS values: the addon exports these, and
// lib/binding.ts reads them at load, so lib/ has no second copy of any slot
// number, name order or limit.
#pragma once

#include <napi.h>

namespace spiking {

// layerLayout: slots, models (name -> Model), updates (name -> Update),
// params and records (in slot and record order), recordsOf and updatesOf
// (per model name), magic, headerBytes, maxRefracSteps.
Napi::Object layerLayout(Napi::Env env);
// connectionLayout: slots, modes, magic, headerBytes, pad, maxDelay.
Napi::Object connectionLayout(Napi::Env env);

}  // namespace spiking
