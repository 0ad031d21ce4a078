// A check that stays on in every build type: a broken invariant is a crash libFuzzer keeps.
#pragma once

#include <cstdio>
#include <cstdlib>

#define AIO_FUZZ_CHECK(cond)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);      \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)
