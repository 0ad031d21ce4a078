// sync guide: aio::priority_queue and aio::lifo_queue (asyncio.PriorityQueue, LifoQueue).
#include <aio/aio.hpp>

#include <iostream>
#include <string>
#include <utility>

aio::task<> amain() {
    aio::priority_queue<std::pair<int, std::string>> todo(aio::unbounded); // smallest first
    todo.put_nowait({2, "write report"});
    todo.put_nowait({1, "fix outage"});
    todo.put_nowait({3, "lunch"});
    while (!todo.empty()) {
        auto [prio, what] = co_await todo.get();
        std::cout << prio << " " << what << "\n";
    }
    aio::lifo_queue<std::string> stack(aio::unbounded); // last in, first out
    stack.put_nowait("home");
    stack.put_nowait("search");
    stack.put_nowait("result");
    while (!stack.empty())
        std::cout << "back to " << stack.get_nowait() << "\n";
}

int main() {
    aio::run(amain());
}
