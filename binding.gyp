# node-gyp build, used by prebuildify (scripts/prebuilds.sh) and as the
# install-time fallback. Same sources and per-ISA flags as CMakeLists.txt:
# change both together.
#
# Compilers: GCC or clang on Linux (x64; arm64 natively or cross-compiled),
# clang (Xcode) on macOS through xcode_settings, MSVC on Windows through
# msvs_settings. Every one of them keeps float32 arithmetic as written: no
# contraction into fma, no fast-math (bit-exact parity with PySNN).
#
# xsimd: the system's headers when it has them; else vendor/xsimd/include,
# which the published tarball carries (scripts/vendor-xsimd.js). GCC and clang
# search -idirafter directories after the system ones.
{
  "variables": {
    "spiking_cflags": ["-O3", "-ffp-contract=off", "-fno-fast-math", "-std=c++17"],
    "spiking_xsimd": "<(module_root_dir)/vendor/xsimd/include"
  },
  "target_defaults": {
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "SPIKING_BUILD_SYSTEM=\"node-gyp\""],
    "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
    "conditions": [
      ["OS!='win' and OS!='mac'", {
        "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
        "cflags_cc": ["<@(spiking_cflags)", "-idirafter", "<(spiking_xsimd)"]
      }],
      ["OS=='mac'", {
        "xcode_settings": {
          "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
          "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
          "MACOSX_DEPLOYMENT_TARGET": "11.0",
          "GCC_OPTIMIZATION_LEVEL": "3",
          # clang contracts a * b + c into fma by default (-ffp-contract=on).
          "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off", "-fno-fast-math", "-idirafter", "<(spiking_xsimd)"]
        }
      }],
      ["OS=='win'", {
        "include_dirs": ["<(spiking_xsimd)"],
        "msvs_settings": {
          "VCCLCompilerTool": {
            "ExceptionHandling": 1,
            # /fp:precise: no contraction into fma (since VS 2022), no re-association.
            "AdditionalOptions": ["/std:c++17", "/O2", "/fp:precise", "/Zc:__cplusplus"]
          }
        }
      }]
    ]
  },
  "targets": [
    {
      "target_name": "spiking",
      "sources": ["native/binding/addon.cpp", "native/binding/checks.cpp", "native/runtime/dispatch.cpp", "native/binding/connections.cpp", "native/binding/layout.cpp",
                  "native/binding/learning.cpp", "native/runtime/learning_dispatch.cpp",
                  "native/runtime/learning_steps.cpp", "native/runtime/plan_learning.cpp", "native/binding/plan_rules.cpp",
                  "native/binding/run_async.cpp", "native/runtime/network.cpp", "native/runtime/runner.cpp", "native/runtime/thread_pool.cpp",
                  "native/runtime/traffic_floor.cpp", "native/runtime/fork_join_probe.cpp",
                  "native/binding/network.cpp", "native/runtime/plan.cpp", "native/runtime/blocks.cpp",
                  "native/runtime/poisson_live.cpp", "native/runtime/aged_trace.cpp",
                  "native/runtime/plan_samples.cpp", "native/runtime/listed_input.cpp"],
      "conditions": [
        ["target_arch=='x64'", {
          "sources": ["native/isa/sse2.cpp"],
          "dependencies": ["spiking_avx2", "spiking_avx512"]
        }],
        ["target_arch=='arm64'", {
          "sources": ["native/isa/neon64.cpp"],
          # GCC's note that passing a pair of NEON vectors changed ABI in
          # GCC 10.1: it concerns functions called across compiler versions,
          # and the kernels' helpers are inline, internal to this addon.
          "cflags_cc": ["-Wno-psabi"]
        }]
      ]
    }
  ],
  "conditions": [
    # The AVX units exist on x86-64 only (Linux, macOS on Intel, Windows);
    # each is compiled with its own instruction-set flags and picked at run
    # time by native/runtime/dispatch.cpp. On arm64 NEON is the baseline.
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "spiking_avx2",
          "type": "static_library",
          "sources": ["native/isa/avx2.cpp"],
          "cflags_cc": ["-mavx2", "-fPIC"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx2"]},
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/arch:AVX2"]}}
        },
        {
          "target_name": "spiking_avx512",
          "type": "static_library",
          "sources": ["native/isa/avx512.cpp"],
          "cflags_cc": ["-mavx512f", "-mavx512cd", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-fPIC"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512cd", "-mavx512dq", "-mavx512bw", "-mavx512vl"]},
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/arch:AVX512"]}}
        }
      ]
    }]
  ]
}
