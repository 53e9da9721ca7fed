// Registers the network engine's entry point (network.cpp) on the addon's exports.
#pragma once

#include <napi.h>

namespace spiking {
void registerNetworkPlan(Napi::Env env, Napi::Object exports);
}  // namespace spiking
