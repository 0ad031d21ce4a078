// "The Event Loop", the older approach: make a loop, run the main coroutine until it
// completes, close the loop (asyncio.get_event_loop / run_until_complete / close).
// aio::run(main()) does the same three steps; this is the long hand.
#include <aio/aio.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

aio::task<std::string> fetch_data() {
    co_await aio::sleep(50ms);
    co_return "data";
}

aio::task<std::string> transform_data(std::string data) {
    co_await aio::sleep(50ms);
    co_return data + " (transformed)";
}

aio::task<int> amain() {
    std::string data = co_await fetch_data();           // waits here
    std::string result = co_await transform_data(data); // then waits here
    std::cout << "result: " << result << "\n";
    co_return 0;
}

int main() {
    int rc = 0;
    {
        aio::event_loop loop;                  // loop = asyncio.new_event_loop()
        rc = loop.run_until_complete(amain()); // loop.run_until_complete(main())
    }                                          // loop.close(): the destructor
    std::cout << "loop closed\n";
    return rc;
}
