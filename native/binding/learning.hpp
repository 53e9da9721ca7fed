// Registers the learning-rule functions (learning.cpp) on the addon's exports.
#pragma once

#include <napi.h>

namespace spiking {
void registerLearning(Napi::Env env, Napi::Object exports);
}  // namespace spiking
