// The ws layer: WebSocket client and server (RFC 6455, permessage-deflate). docs/guide/ws.md.
#pragma once

#include <aio/ws/connect.hpp>
#include <aio/ws/errors.hpp>
#include <aio/ws/message_reader.hpp>
#include <aio/ws/options.hpp>
#include <aio/ws/websocket.hpp>
