// Not an example: the forgotten-co_await mistake without the pragma that silences it.
// tests/examples/CMakeLists.txt compiles it with -fsyntax-only and expects the compiler's
// [[nodiscard]] warning on the call below.
#include <aio/core.hpp>

#include <string>

aio::task<std::string> fetch_data() {
    co_return "Data received";
}

aio::task<> process() {
    fetch_data(); // missing co_await
    co_return;
}

int main() {
    return 0;
}
