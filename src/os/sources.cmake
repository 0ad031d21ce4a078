# os: files, subprocesses, signals.
aio_layer(os MAY_INCLUDE net core sync threads io)
target_sources(aio_os PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/child_reaper.cpp
    ${CMAKE_CURRENT_LIST_DIR}/file.cpp
    ${CMAKE_CURRENT_LIST_DIR}/os_state.cpp
    ${CMAKE_CURRENT_LIST_DIR}/signal_hub.cpp
    ${CMAKE_CURRENT_LIST_DIR}/subprocess.cpp
)
