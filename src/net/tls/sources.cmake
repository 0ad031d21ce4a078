# TLS for aio::net (OpenSSL 3). Included from src/net/sources.cmake.
# AIO_WITH_TLS defaults ON when OpenSSL 3 is found; with it OFF, tls_context's factories
# throw aio::net::tls_error saying that the library was built without TLS.
find_package(OpenSSL 3.0)
option(AIO_WITH_TLS "Build TLS support (needs OpenSSL 3: libssl-dev)" ${OPENSSL_FOUND})

if(AIO_WITH_TLS)
    if(NOT OPENSSL_FOUND)
        message(FATAL_ERROR "AIO_WITH_TLS is ON but OpenSSL 3 was not found "
                            "(install libssl-dev, or configure with -DAIO_WITH_TLS=OFF)")
    endif()
    target_sources(aio_net PRIVATE
        ${CMAKE_CURRENT_LIST_DIR}/context.cpp
        ${CMAKE_CURRENT_LIST_DIR}/engine.cpp
        ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
        ${CMAKE_CURRENT_LIST_DIR}/start_tls.cpp
        ${CMAKE_CURRENT_LIST_DIR}/tls_transport.cpp
    )
    aio_layer_link(net OpenSSL::SSL OpenSSL::Crypto)
    set(AIO_PC_TLS_REQUIRES "libssl libcrypto" CACHE INTERNAL "pkg-config modules of TLS")
else()
    target_sources(aio_net PRIVATE ${CMAKE_CURRENT_LIST_DIR}/disabled.cpp)
    set(AIO_PC_TLS_REQUIRES "" CACHE INTERNAL "pkg-config modules of TLS")
endif()
