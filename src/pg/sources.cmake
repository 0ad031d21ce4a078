# pg: PostgreSQL over libpq's non-blocking API. Optional: AIO_WITH_PG defaults ON when
# libpq (Debian libpq-dev) is found; with it OFF the layer is not built.
pkg_check_modules(LIBPQ IMPORTED_TARGET GLOBAL libpq)
option(AIO_WITH_PG "Build the PostgreSQL client aio::pg (needs libpq: libpq-dev)" ${LIBPQ_FOUND})
if(AIO_WITH_PG)
    if(NOT LIBPQ_FOUND)
        message(FATAL_ERROR "AIO_WITH_PG is ON but libpq was not found "
                            "(install libpq-dev, or configure with -DAIO_WITH_PG=OFF)")
    endif()
    aio_layer(pg MAY_INCLUDE net os core sync threads io)
    find_package(nlohmann_json 3 REQUIRED)
    target_sources(aio_pg PRIVATE
        ${CMAKE_CURRENT_LIST_DIR}/connection.cpp
        ${CMAKE_CURRENT_LIST_DIR}/conn_exclusive.cpp
        ${CMAKE_CURRENT_LIST_DIR}/conn_notifications.cpp
        ${CMAKE_CURRENT_LIST_DIR}/conn_state.cpp
        ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
        ${CMAKE_CURRENT_LIST_DIR}/params.cpp
        ${CMAKE_CURRENT_LIST_DIR}/pool.cpp
        ${CMAKE_CURRENT_LIST_DIR}/result.cpp
        ${CMAKE_CURRENT_LIST_DIR}/socket_wait.cpp
        ${CMAKE_CURRENT_LIST_DIR}/statement_cache.cpp
    )
    aio_layer_link(pg PkgConfig::LIBPQ nlohmann_json::nlohmann_json)
    set(AIO_PC_PG_REQUIRES "libpq" CACHE INTERNAL "pkg-config modules of aio::pg")
else()
    set(AIO_PC_PG_REQUIRES "" CACHE INTERNAL "pkg-config modules of aio::pg")
endif()
