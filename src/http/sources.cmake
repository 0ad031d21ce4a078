# The http layer: message parser, chunked decoding, URLs, the client and the server.
aio_layer(http MAY_INCLUDE os net core sync threads io)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
pkg_check_modules(BROTLIDEC REQUIRED IMPORTED_TARGET libbrotlidec)
target_sources(aio_http PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/access_log.cpp
    ${CMAKE_CURRENT_LIST_DIR}/chunked.cpp
    ${CMAKE_CURRENT_LIST_DIR}/client.cpp
    ${CMAKE_CURRENT_LIST_DIR}/client_pool.cpp
    ${CMAKE_CURRENT_LIST_DIR}/connection.cpp
    ${CMAKE_CURRENT_LIST_DIR}/connection_stream.cpp
    ${CMAKE_CURRENT_LIST_DIR}/content_decoder.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cookie_jar.cpp
    ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/headers.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parser.cpp
    ${CMAKE_CURRENT_LIST_DIR}/server.cpp
    ${CMAKE_CURRENT_LIST_DIR}/static_files.cpp
    ${CMAKE_CURRENT_LIST_DIR}/streaming.cpp
    ${CMAKE_CURRENT_LIST_DIR}/url.cpp
    ${CMAKE_CURRENT_LIST_DIR}/url_resolve.cpp
    ${CMAKE_CURRENT_LIST_DIR}/write_request.cpp
    ${CMAKE_CURRENT_LIST_DIR}/write_response.cpp
)
aio_layer_link(http ZLIB::ZLIB PkgConfig::BROTLIDEC nlohmann_json::nlohmann_json)
