#pragma once

#include <napi.h>

namespace spiking {

// runAsync(slab, x, preTrace, steps, recordMask) -> Promise<{ spikes, records }>
// Runs on a copy of the layer's state and inputs, off the event loop; the
// state is copied back into the slab when it resolves.
Napi::Value RunAsync(const Napi::CallbackInfo& info);

}  // namespace spiking
