{
  "targets": [
    {
      "target_name": "multibully",
      "sources": [
        "native/addon.cc",
        "native/args.cc",
        "native/errors.cc",
        "native/interface_monitor.cc",
        "native/interfaces.cc",
        "native/polled_handle.cc",
        "native/sockaddr.cc",
        "native/udp_receive.cc",
        "native/udp_socket.cc",
        "native/vip.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
      }
    }
  ]
}
