# node-gyp build, used by prebuildify and as the install-time fallback.
# Same sources and per-ISA flags as CMakeLists.txt: change both together.
{
  "variables": {
    "spiking_cflags": ["-O3", "-ffp-contract=off", "-fno-fast-math", "-std=c++17"]
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["<@(spiking_cflags)"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "SPIKING_BUILD_SYSTEM=\"node-gyp\""],
    "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"]
  },
  "targets": [
    {
      "target_name": "spiking",
      "sources": ["native/binding/addon.cpp", "native/binding/checks.cpp", "native/runtime/dispatch.cpp", "native/binding/connections.cpp", "native/binding/layout.cpp",
                  "native/binding/learning.cpp", "native/runtime/learning_dispatch.cpp",
                  "native/binding/run_async.cpp", "native/runtime/network.cpp", "native/runtime/runner.cpp", "native/runtime/thread_pool.cpp"],
      "conditions": [
        ["target_arch=='x64'", {
          "sources": ["native/isa/sse2.cpp"],
          "dependencies": ["spiking_avx2", "spiking_avx512"]
        }],
        ["target_arch=='arm64'", {
          "sources": ["native/isa/neon64.cpp"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "spiking_avx2",
          "type": "static_library",
          "sources": ["native/isa/avx2.cpp"],
          "cflags_cc": ["-mavx2", "-fPIC"]
        },
        {
          "target_name": "spiking_avx512",
          "type": "static_library",
          "sources": ["native/isa/avx512.cpp"],
          "cflags_cc": ["-mavx512f", "-mavx512cd", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-fPIC"]
        }
      ]
    }]
  ]
}
