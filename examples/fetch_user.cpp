// Sequential awaits vs gather (the chef's "three dishes in the oven"): fetching three users
// from a JSON API one after the other takes 3 x 100 ms; gathering the requests takes ~100 ms.
// The API is a local aio::http::server the example starts on 127.0.0.1 (a port the kernel
// picks): GET /users/{id} answers {"id": id, "name": "User <id>"} after 100 ms.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

// The API's handler (aiohttp.web): a slow database behind it.
aio::task<aio::http::response> user(aio::http::request& req) {
    co_await aio::sleep(100ms);
    const std::string id(req.param("id"));
    nlohmann::json body = {{"id", std::stoi(id)}, {"name", "User " + id}};
    co_return aio::http::response::json(200, body.dump());
}

aio::task<std::string> fetch_user(aio::http::client_session& http, std::string api, int user_id) {
    aio::http::client_response r = co_await http.get(api + "/users/" + std::to_string(user_id));
    r.raise_for_status();
    nlohmann::json j = co_await r.json();
    co_return j["name"].get<std::string>();
}

aio::task<std::vector<std::string>> sequential(aio::http::client_session& http, std::string api) {
    std::string a = co_await fetch_user(http, api, 1); // 100 ms
    std::string b = co_await fetch_user(http, api, 2); // 100 ms
    std::string c = co_await fetch_user(http, api, 3); // 100 ms
    co_return std::vector<std::string>{a, b, c};
}

aio::task<std::vector<std::string>> concurrent(aio::http::client_session& http, std::string api) {
    auto [a, b, c] = co_await aio::gather(fetch_user(http, api, 1), fetch_user(http, api, 2),
                                          fetch_user(http, api, 3));
    co_return std::vector<std::string>{a, b, c};
}

void print(const char* label,
           const std::vector<std::string>& users,
           std::chrono::steady_clock::duration took) {
    std::cout << label << ": [";
    for (std::size_t i = 0; i < users.size(); ++i) {
        std::cout << (i ? ", '" : "'") << users[i] << "'";
    }
    std::cout << "] in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms\n";
}

aio::task<> amain() {
    aio::http::server app;
    app.route("GET", "/users/{id}", user);
    co_await app.listen("127.0.0.1", 0);
    const std::string api = "http://127.0.0.1:" + std::to_string(app.port());
    aio::http::client_session http;

    auto start = std::chrono::steady_clock::now();
    std::vector<std::string> users = co_await sequential(http, api);
    print("sequential", users, std::chrono::steady_clock::now() - start);

    start = std::chrono::steady_clock::now();
    users = co_await concurrent(http, api);
    print("gather", users, std::chrono::steady_clock::now() - start);

    co_await app.shutdown(1s);
}

int main() {
    aio::run(amain());
}
