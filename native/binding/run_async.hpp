#pragma once

#include <napi.h>

namespace spiking {

// runAsync(slab, x, preTrace, steps, recordMask) -> Promise<{ spikes, records }>
// Runs off the event loop on the layer's state and the inputs in place,
// borrowed until the promise settles (borrowed_work.hpp); the outputs are
// allocated on the pool thread.
Napi::Value RunAsync(const Napi::CallbackInfo& info);

}  // namespace spiking
