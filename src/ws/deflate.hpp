// permessage-deflate (RFC 7692): negotiating its parameters in Sec-WebSocket-Extensions,
// and compressing / inflating messages with zlib (raw deflate, the 00 00 FF FF tail removed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace aio::ws::detail {

/// The negotiated parameters (RFC 7692 §7.1).
struct deflate_params {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    int server_max_window_bits = 15;
    int client_max_window_bits = 15;
};

/// The client's offer: "permessage-deflate; client_max_window_bits".
std::string deflate_offer();

/// Server side: the first acceptable permessage-deflate offer in a Sec-WebSocket-Extensions
/// value (several header lines joined with ", "), and the response value; nullopt when none
/// (malformed offers are skipped, as RFC 7692 §5.1 allows declining).
std::optional<std::pair<deflate_params, std::string>> deflate_accept(std::string_view offers);

/// Client side: checks the server's Sec-WebSocket-Extensions answer to deflate_offer().
/// Returns the parameters, or nullopt and sets `error` when the answer is not acceptable
/// (an unknown extension or parameter, a repeated one, a window size outside 9..15).
std::optional<deflate_params> deflate_check_response(std::string_view value, std::string& error);

/// One direction's compressor (this side's window and context rules).
class deflater {
  public:
    deflater(int window_bits, bool no_context_takeover);
    ~deflater();
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;
    /// The compressed form of one message (RFC 7692 §7.2.1).
    std::string compress(std::string_view message);

  private:
    struct impl;
    std::unique_ptr<impl> m;
    bool m_reset;
};

/// The other direction's decompressor.
class inflater {
  public:
    inflater();
    ~inflater();
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;
    /// Inflates one message (RFC 7692 §7.2.2) into `out`. False if the data is not valid
    /// deflate (`too_big` false) or inflates to more than `max` bytes (`too_big` true).
    bool decompress(std::string_view compressed, std::size_t max, std::string& out, bool& too_big);
    /// Streaming form (a message inflated frame by frame): feed() appends what `in` (the
    /// next part of a message) inflates to; finish() ends the message. Same results as
    /// decompress(); `max` bounds `out`'s size.
    bool feed(std::string_view in, std::size_t max, std::string& out, bool& too_big);
    bool finish(std::size_t max, std::string& out, bool& too_big);

  private:
    struct impl;
    std::unique_ptr<impl> m;
};

} // namespace aio::ws::detail
