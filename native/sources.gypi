# The one list of native sources. binding.gyp includes it; the native test and
# fuzz builds read it too, so the lists cannot drift.
{
  'variables': {
    'ringnet_core_sources': [
      'native/core/codec/length_codec.cc',
      'native/core/codec/delimiter_codec.cc',
      'native/core/codec/fixed_codec.cc',
      'native/core/codec/raw_codec.cc',
      'native/core/codec/goim_codec.cc',
      'native/core/codec/http_methods.cc',
      'native/core/codec/http_request_line.cc',
      'native/core/codec/http_head.cc',
      'native/core/codec/http_chunked.cc',
      'native/core/codec/http_decoder.cc',
      'native/core/codec/proxy_header.cc',
      'native/core/http/http_protocol.cc',
      'native/core/codec_factory.cc',
      'native/core/output_queue.cc',
      'native/core/event_batch.cc',
      'native/core/inbox.cc',
      'native/core/socket_options.cc',
      'native/core/listener.cc',
      'native/core/accept_loop.cc',
      'native/core/reactor.cc',
      'native/core/reactor_proxy.cc',
      'native/core/timeouts.cc',
      'native/core/protocol.cc',
      'native/core/goim/goim_protocol.cc',
      'native/core/rooms.cc',
      'native/core/broadcast.cc',
      'native/core/acceptor.cc',
      'native/core/server.cc',
      'native/core/backend_factory.cc',
      'native/core/reactor_tls.cc',
    ],
    # TLS over OpenSSL (linked statically, symbols hidden: binding.gyp).
    'ringnet_tls_sources': [
      'native/core/tls/tls_context.cc',
      'native/core/tls/tls_session.cc',
      'native/core/tls/ktls.cc',
    ],
    'ringnet_epoll_sources': [
      'native/epoll/epoll_backend.cc',
    ],
    # Built only when liburing is installed (binding.gyp checks for liburing.a).
    'ringnet_io_uring_sources': [
      'native/io_uring/probe.cc',
      'native/io_uring/ring.cc',
      'native/io_uring/buffer_ring.cc',
      'native/io_uring/uring_backend.cc',
      'native/io_uring/uring_stream.cc',
    ],
    'ringnet_bridge_sources': [
      'native/bridge/config_parse.cc',
      'native/bridge/errors.cc',
      'native/bridge/js_server.cc',
      'native/bridge/tls_bridge.cc',
      'native/addon.cc',
    ],
  },
}
