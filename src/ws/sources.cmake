# The ws layer: WebSocket client and server (RFC 6455, permessage-deflate over zlib).
aio_layer(ws MAY_INCLUDE http os net core sync threads io)
find_package(ZLIB REQUIRED)
target_sources(aio_ws PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/connect.cpp
    ${CMAKE_CURRENT_LIST_DIR}/deflate.cpp
    ${CMAKE_CURRENT_LIST_DIR}/frame.cpp
    ${CMAKE_CURRENT_LIST_DIR}/frame_reader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/handshake.cpp
    ${CMAKE_CURRENT_LIST_DIR}/send.cpp
    ${CMAKE_CURRENT_LIST_DIR}/server_route.cpp
    ${CMAKE_CURRENT_LIST_DIR}/stream.cpp
    ${CMAKE_CURRENT_LIST_DIR}/utf8.cpp
    ${CMAKE_CURRENT_LIST_DIR}/websocket.cpp
)
aio_layer_link(ws ZLIB::ZLIB)
