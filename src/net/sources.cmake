# The net layer: streams, TCP/UDP/Unix sockets, servers, DNS (c-ares).
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
aio_layer(net MAY_INCLUDE core sync threads io)
target_sources(aio_net PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/accept_feed.cpp
    ${CMAKE_CURRENT_LIST_DIR}/accept_loop.cpp
    ${CMAKE_CURRENT_LIST_DIR}/address.cpp
    ${CMAKE_CURRENT_LIST_DIR}/connection.cpp
    ${CMAKE_CURRENT_LIST_DIR}/datagram.cpp
    ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/fd_transport.cpp
    ${CMAKE_CURRENT_LIST_DIR}/primitives.cpp
    ${CMAKE_CURRENT_LIST_DIR}/resolve.cpp
    ${CMAKE_CURRENT_LIST_DIR}/server.cpp
    ${CMAKE_CURRENT_LIST_DIR}/stream.cpp
    ${CMAKE_CURRENT_LIST_DIR}/stream_close.cpp
    ${CMAKE_CURRENT_LIST_DIR}/stream_read.cpp
    ${CMAKE_CURRENT_LIST_DIR}/stream_sendfile.cpp
    ${CMAKE_CURRENT_LIST_DIR}/stream_write.cpp
)
aio_layer_link(net PkgConfig::CARES)
# TLS (OpenSSL) has its own fragment so that it can be switched off (AIO_WITH_TLS).
include(${CMAKE_CURRENT_LIST_DIR}/tls/sources.cmake)
