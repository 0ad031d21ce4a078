// A WebSocket chat room: serves its own HTML page at / and a WebSocket endpoint at /chat.
//
//     ws_chat [--port 8890]     serve until interrupted; open http://127.0.0.1:8890/ in two
//                               browser tabs (add ?name=ann to choose a name)
//     ws_chat --selftest        three C++ clients chat over loopback; exit 0 if every member
//                               got every message, in the same order
//
// Shape: one handler task per member reads its messages and puts them on the room's queue;
// one broadcaster task takes them off in order and sends each to every member, so all
// members see one order (a member's own messages included). A member whose send fails is
// dropped; its handler ends when its receive() does.
#include <aio/aio.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

const char* k_page = R"html(<!doctype html>
<html><head><meta charset="utf-8"><title>aiocpp chat</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}#log{list-style:none;padding:0}</style>
</head><body>
<h1>aiocpp chat</h1>
<ul id="log"></ul>
<form id="f"><input id="text" autocomplete="off" autofocus> <button>Send</button></form>
<script>
const params = new URLSearchParams(location.search);
const name = params.get('name') || 'guest' + Math.floor(Math.random() * 1000);
const auto = Number(params.get('auto') || 0); // send this many messages when someone says "go"
const log = document.getElementById('log');
const ws = new WebSocket('ws://' + location.host + '/chat?name=' + encodeURIComponent(name));
let started = false;
ws.onmessage = (e) => {
  const li = document.createElement('li');
  li.textContent = e.data;
  log.appendChild(li);
  if (auto && !started && e.data.endsWith(': go')) {
    started = true;
    for (let i = 1; i <= auto; i++) ws.send('message ' + i);
  }
};
ws.onclose = (e) => { const li = document.createElement('li'); li.textContent = '* closed ' + e.code; log.appendChild(li); };
document.getElementById('f').onsubmit = (e) => {
  e.preventDefault();
  const t = document.getElementById('text');
  if (t.value) ws.send(t.value);
  t.value = '';
};
</script></body></html>
)html";

struct chat_room {
    std::vector<aio::ws::websocket*> members;
    aio::queue<std::string> lines{aio::unbounded};

    void leave(aio::ws::websocket* w) { std::erase(members, w); }
};

// Sends every line to every member, in queue order.
aio::task<> broadcaster(std::shared_ptr<chat_room> room) {
    for (;;) {
        const std::string line = co_await room->lines.get();
        const std::vector<aio::ws::websocket*> targets = room->members; // may change meanwhile
        for (aio::ws::websocket* m : targets) {
            try {
                co_await m->send(line);
            } catch (const aio::error&) {
                room->leave(m); // closed or broken: its handler's receive() ends too
            }
        }
    }
}

aio::task<>
member(std::shared_ptr<chat_room> room, aio::http::request& req, aio::ws::websocket& ws) {
    std::string name = req.query("name").value_or("guest");
    if (name.empty() || name.size() > 32)
        name = "guest";
    room->members.push_back(&ws);
    co_await room->lines.put("* " + name + " joined (" + std::to_string(room->members.size()) +
                             " here)");
    try {
        while (auto m = co_await ws.receive())
            if (!m->binary)
                co_await room->lines.put(name + ": " + m->data);
    } catch (const aio::ws::error&) {
        // the member's connection broke: it leaves like the others
    }
    room->leave(&ws);
    co_await room->lines.put("* " + name + " left");
}

void add_routes(aio::http::server& app, const std::shared_ptr<chat_room>& room) {
    app.route("GET", "/", [](aio::http::request&) -> aio::task<aio::http::response> {
        auto r = aio::http::response(200, k_page);
        r.headers.set("Content-Type", "text/html; charset=utf-8");
        co_return r;
    });
    app.websocket("/chat", [room](aio::http::request& req, aio::ws::websocket& ws) {
        return member(room, req, ws);
    });
}

// One C++ member for the selftest: joins; the starter says "go" once all three are here; on
// "go" each sends three lines; each reads until it has seen "go" and the 9 chat lines.
aio::task<std::vector<std::string>> bot(std::uint16_t port, std::string name, bool starter) {
    auto ws =
        co_await aio::ws::connect("ws://127.0.0.1:" + std::to_string(port) + "/chat?name=" + name);
    std::vector<std::string> seen;
    bool sent = false;
    while (seen.size() < 10) { // "go" + 9 messages
        auto m = co_await aio::wait_for(ws.receive(), std::chrono::seconds(10));
        if (!m)
            break;
        if (m->data.rfind("* ", 0) == 0) {
            if (starter && m->data.ends_with("joined (3 here)"))
                co_await ws.send("go");
            continue;
        }
        seen.push_back(m->data);
        if (!sent && m->data.ends_with(": go")) {
            sent = true;
            for (int i = 1; i <= 3; ++i)
                co_await ws.send("message " + std::to_string(i));
        }
    }
    co_await ws.close();
    co_return seen;
}

aio::task<int> selftest() {
    auto room = std::make_shared<chat_room>();
    auto b = aio::create_task(broadcaster(room), "broadcaster");
    aio::http::server app;
    add_routes(app, room);
    co_await app.listen("127.0.0.1", 0);
    auto [ann_seen, bob_seen, cy_seen] = co_await aio::gather(
        bot(app.port(), "ann", true), bot(app.port(), "bob", false), bot(app.port(), "cy", false));
    co_await app.shutdown(std::chrono::seconds(2));
    b.cancel();
    const bool same = ann_seen == bob_seen && bob_seen == cy_seen && ann_seen.size() == 10;
    for (const auto& l : ann_seen)
        std::printf("%s\n", l.c_str());
    std::printf(same ? "selftest ok\n" : "selftest FAILED\n");
    co_return same ? 0 : 1;
}

aio::task<int> serve(std::uint16_t port) {
    auto room = std::make_shared<chat_room>();
    auto b = aio::create_task(broadcaster(room), "broadcaster");
    aio::http::server app;
    add_routes(app, room);
    co_await app.listen("127.0.0.1", port);
    std::printf("ws_chat: http://127.0.0.1:%u/\n", static_cast<unsigned>(app.port()));
    std::fflush(stdout);
    co_await aio::signal_received(SIGINT, SIGTERM);
    co_await app.shutdown(std::chrono::seconds(2));
    b.cancel();
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::uint16_t port = 8890;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--selftest") == 0)
            return aio::run(selftest());
        if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    }
    return aio::run(serve(port));
}
