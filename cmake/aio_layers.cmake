# The library's layers (docs/design/README.md), each an OBJECT library whose sources see
# only the layers it may include. Public headers live in one tree (include/aio/<layer>/)
# and private ones in another (src/<layer>/), so the fence is an include tree per layer:
# symbolic links, made at configure time, to the allowed layers' folders only. An include
# that points up is "No such file" when the layer compiles.
#
#   aio_layer(<name> [SOURCES_DIRS dir...] [MAY_INCLUDE layer...])
#       defines target aio_<name>; its private folders are src/<name> plus SOURCES_DIRS
#       (another folder of the same layer, e.g. core's src/diagnostics). MAY_INCLUDE lists
#       every lower layer it may include (not transitive: list them all).
#   aio_layer_link(<name> <target>...)
#       a dependency of the layer: compiles the layer against it, links aiocpp with it.
#
# The layers' objects make up the one installed library, aiocpp.

set(AIO_LAYER_INCLUDE_ROOT ${PROJECT_BINARY_DIR}/layer-include)

function(aio_layer_stage_link from to)
    if(EXISTS ${from} AND NOT EXISTS ${to})
        file(CREATE_LINK ${from} ${to} SYMBOLIC)
    endif()
endfunction()

function(aio_layer name)
    cmake_parse_arguments(L "" "" "SOURCES_DIRS;MAY_INCLUDE" ${ARGN})
    set(root ${AIO_LAYER_INCLUDE_ROOT}/${name})
    file(REMOVE_RECURSE ${root})
    file(MAKE_DIRECTORY ${root}/include/aio ${root}/src)
    # Neutral helpers (include/aio/detail) are open to every layer.
    aio_layer_stage_link(${PROJECT_SOURCE_DIR}/include/aio/detail ${root}/include/aio/detail)
    foreach(layer ${name} ${L_MAY_INCLUDE})
        aio_layer_stage_link(${PROJECT_SOURCE_DIR}/include/aio/${layer} ${root}/include/aio/${layer})
        aio_layer_stage_link(${PROJECT_SOURCE_DIR}/include/aio/${layer}.hpp
                             ${root}/include/aio/${layer}.hpp)
        aio_layer_stage_link(${PROJECT_SOURCE_DIR}/src/${layer} ${root}/src/${layer})
        get_property(extra GLOBAL PROPERTY AIO_LAYER_DIRS_${layer})
        foreach(dir ${extra})
            aio_layer_stage_link(${PROJECT_SOURCE_DIR}/src/${dir} ${root}/src/${dir})
        endforeach()
    endforeach()
    foreach(dir ${L_SOURCES_DIRS})
        aio_layer_stage_link(${PROJECT_SOURCE_DIR}/src/${dir} ${root}/src/${dir})
    endforeach()
    set_property(GLOBAL PROPERTY AIO_LAYER_DIRS_${name} ${L_SOURCES_DIRS})

    add_library(aio_${name} OBJECT)
    target_compile_features(aio_${name} PUBLIC cxx_std_20)
    target_include_directories(aio_${name} PRIVATE ${root}/include ${root}/src)
    target_link_libraries(aio_${name} PRIVATE Threads::Threads aio_build_flags)
    set_target_properties(aio_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_sources(aiocpp PRIVATE $<TARGET_OBJECTS:aio_${name}>)
endfunction()

function(aio_layer_link name)
    target_link_libraries(aio_${name} PRIVATE ${ARGN})
    target_link_libraries(aiocpp PRIVATE ${ARGN})
endfunction()
