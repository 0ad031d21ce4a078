# The http layer: message parser, chunked decoding, URLs. Standard library only.
target_sources(aiocpp PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/chunked.cpp
    ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/headers.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parser.cpp
    ${CMAKE_CURRENT_LIST_DIR}/url.cpp
)
