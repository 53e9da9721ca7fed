// Registers the network functions (connections.cpp) on the addon's exports.
#pragma once

#include <napi.h>

namespace spiking {
void registerNetwork(Napi::Env env, Napi::Object exports);
}  // namespace spiking
