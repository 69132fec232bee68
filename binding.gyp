{
  'includes': ['native/sources.gypi'],
  'targets': [
    {
      'target_name': 'ringnet',
      'variables': {
        # The io_uring backend is built when liburing's static library and
        # headers are installed (Debian: liburing-dev); linked statically, so
        # the addon needs nothing at run time. Looked up for the target
        # architecture (cross builds: npm run prebuilds); RINGNET_NO_IO_URING=1
        # builds epoll only.
        'ringnet_liburing': '<!(node scripts/liburing-path.js <(target_arch))',
      },
      'sources': [
        '<@(ringnet_core_sources)',
        '<@(ringnet_epoll_sources)',
        '<@(ringnet_bridge_sources)',
        '<@(ringnet_tls_sources)',
      ],
      # OpenSSL for TLS and zlib for WebSocket permessage-deflate, from Debian's
      # libssl-dev and zlib1g-dev (of the target architecture: scripts/static-libs.js):
      # the static libraries, linked into the addon with their symbols hidden
      # (Node exports its own OpenSSL and zlib; two copies must never bind to
      # each other).
      'libraries': ['<!@(node scripts/static-libs.js <(target_arch) ssl crypto z)', '-lpthread', '-ldl'],
      # Only the Node-API entry points are exported (native/exports.map);
      # --exclude-libs keeps the static libraries' symbols (OpenSSL, zlib) out as well.
      'ldflags': ['-Wl,--exclude-libs,ALL', '-Wl,--version-script=<(module_root_dir)/native/exports.map'],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'defines': ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions', '-std=gnu++17', '-std=gnu++1y', '-std=gnu++20'],
      'cflags_cc': ['-std=c++17', '-O2', '-Wall', '-Wextra', '-Wno-unused-parameter', '-fvisibility=hidden'],
      'conditions': [
        ['OS!="linux"', { 'type': 'none' }],
        ['OS=="linux" and ringnet_liburing!=""', {
          'sources': ['<@(ringnet_io_uring_sources)'],
          'defines': ['RINGNET_HAVE_IO_URING'],
          'libraries': ['<(ringnet_liburing)'],
        }],
      ],
    },
  ],
}
