// The translation unit that builds the test executables' shared precompiled header
// (tests/CMakeLists.txt, aio_test_pch).
