// Registers the network functions (connections.cpp) on the addon's exports.
#pragma once

#include <napi.h>

#include "checks.hpp"
#include "../abi/connection_view.hpp"

namespace spiking {
void registerNetwork(Napi::Env env, Napi::Object exports);

// A connection slab (lib/network/linear.ts, opened with openSlab) as a
// Connection view, every offset and size checked. Throws a JS error on anything else.
Connection decodeConnection(Napi::Env env, const checks::SlabView& slab);
}  // namespace spiking
