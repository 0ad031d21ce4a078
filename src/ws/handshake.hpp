// The opening handshake's pieces (RFC 6455 §4): Sec-WebSocket-Key / -Accept (SHA-1 and
// base64, written here so the ws layer does not need OpenSSL, which is optional), and
// subprotocol lists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aio::ws::detail {

/// SHA-1 (FIPS 180-4) of `data`: 20 raw bytes. Used only for the handshake's accept key.
std::string sha1(std::string_view data);
std::string base64_encode(std::string_view bytes);
/// True if `key` is base64 of 16 bytes (RFC 6455 §4.1: 24 characters ending in "==").
bool is_valid_key(std::string_view key);
/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), RFC 6455 §4.2.2.
std::string accept_key(std::string_view key);
/// The tokens of a comma-separated list, trimmed, empty ones dropped.
std::vector<std::string> split_list(std::string_view list);

} // namespace aio::ws::detail
