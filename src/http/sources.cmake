# The http layer: message parser, chunked decoding, URLs and the server.
aio_layer(http MAY_INCLUDE os net core sync threads io)
target_sources(aio_http PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/chunked.cpp
    ${CMAKE_CURRENT_LIST_DIR}/connection.cpp
    ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/headers.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parser.cpp
    ${CMAKE_CURRENT_LIST_DIR}/server.cpp
    ${CMAKE_CURRENT_LIST_DIR}/url.cpp
    ${CMAKE_CURRENT_LIST_DIR}/write_response.cpp
)
