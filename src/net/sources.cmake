# aio::net sources. (TLS lives in its own fragment so it can be switched off.)
include(${CMAKE_CURRENT_LIST_DIR}/tls/sources.cmake)
