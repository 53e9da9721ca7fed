// Registers the network functions (connections.cpp) on the addon's exports.
#pragma once

#include <napi.h>

#include <cstdint>

#include "../abi/connection_view.hpp"

namespace spiking {
void registerNet(Napi::Env env, Napi::Object exports);

// A connection slab (lib/network/linear.ts) as a Link, every offset checked;
// *headSlot is set to its float64 head slot. Throws a JS error on anything else.
Link decodeLink(Napi::Env env, const Napi::Value& slab, std::uint8_t** headSlot);
}  // namespace spiking
