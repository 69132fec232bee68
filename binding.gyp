{
  'includes': ['native/sources.gypi'],
  'targets': [
    {
      'target_name': 'ringnet',
      'variables': {
        # The io_uring backend is built when liburing's static library and
        # headers are installed (Debian: liburing-dev); linked statically, so
        # the addon needs nothing at run time. RINGNET_NO_IO_URING=1 builds
        # epoll only.
        # permessage-deflate: Debian's zlib1g-dev static libz.a, its symbols
        # kept out of the addon's dynamic table (--exclude-libs): Node exports
        # its own zlib, and the two must not mix.
        'ringnet_libz': '<!(node -e "const fs=require(\'fs\');const a=[\'/usr/lib/x86_64-linux-gnu\',\'/usr/lib/aarch64-linux-gnu\',\'/usr/lib64\',\'/usr/lib\'].map(d=>d+\'/libz.a\').find(f=>fs.existsSync(f));process.stdout.write(a||\'-lz\')")',
        'ringnet_liburing': '<!(node -e "const fs=require(\'fs\');const a=[\'/usr/lib/x86_64-linux-gnu\',\'/usr/lib/aarch64-linux-gnu\',\'/usr/lib64\',\'/usr/lib\'].map(d=>d+\'/liburing.a\').find(f=>fs.existsSync(f));process.stdout.write(process.env.RINGNET_NO_IO_URING!==\'1\'&&a&&fs.existsSync(\'/usr/include/liburing.h\')?a:\'\')")',
        # OpenSSL for TLS, from Debian's libssl-dev: the static libraries, linked
        # into the addon with their symbols hidden (Node exports its own copy;
        # two OpenSSLs must never bind to each other).
        'ringnet_libssl': '<!(node -e "const fs=require(\'fs\');const d=[\'/usr/lib/x86_64-linux-gnu\',\'/usr/lib/aarch64-linux-gnu\',\'/usr/lib64\',\'/usr/lib\'].find(d=>fs.existsSync(d+\'/libssl.a\')&&fs.existsSync(d+\'/libcrypto.a\'));if(!d){console.error(\'ringnet: libssl.a/libcrypto.a not found (apt-get install libssl-dev)\');process.exit(1)}process.stdout.write(d)")',
      },
      'sources': [
        '<@(ringnet_core_sources)',
        '<@(ringnet_epoll_sources)',
        '<@(ringnet_bridge_sources)',
        '<@(ringnet_tls_sources)',
      ],
      'libraries': ['<(ringnet_libssl)/libssl.a', '<(ringnet_libssl)/libcrypto.a', '<(ringnet_libz)', '-lpthread', '-ldl'],
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
