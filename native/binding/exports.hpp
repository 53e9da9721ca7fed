// Puts N-API entry points on the addon's exports, each under its own name
// (the name JS calls it by is also the function's name in stack traces).
#pragma once

#include <napi.h>
#include <initializer_list>
#include <utility>

namespace spiking {

using EntryPoint = Napi::Value (*)(const Napi::CallbackInfo&);

inline void exportFunctions(Napi::Env env, Napi::Object exports,
                            std::initializer_list<std::pair<const char*, EntryPoint>> entries) {
  for (const auto& [name, fn] : entries) exports[name] = Napi::Function::New(env, fn, name);
}

}  // namespace spiking
