{
  'includes': ['native/sources.gypi'],
  'targets': [
    {
      'target_name': 'ringnet',
      'sources': [
        '<@(ringnet_core_sources)',
        '<@(ringnet_epoll_sources)',
        '<@(ringnet_bridge_sources)',
      ],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'defines': ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions', '-std=gnu++17', '-std=gnu++1y', '-std=gnu++20'],
      'cflags_cc': ['-std=c++17', '-O2', '-Wall', '-Wextra', '-Wno-unused-parameter', '-fvisibility=hidden'],
      'conditions': [
        ['OS!="linux"', { 'type': 'none' }],
      ],
    },
  ],
}
