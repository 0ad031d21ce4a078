// Content-Encoding decoders of the http client: gzip and deflate (zlib), br (brotli).
#include "http/client_detail.hpp"

#include <aio/core/error.hpp>

#include <brotli/decode.h>
#include <zlib.h>

namespace aio::http::detail {
namespace {

[[noreturn]] void bad(std::string_view what) {
    throw error("aio: HTTP body could not be decoded: " + std::string(what));
}

class zlib_decoder final : public content_decoder {
  public:
    // gzip: windowBits 15 + 32 detects the gzip or zlib header. deflate: RFC 9110 says zlib
    // format, but servers often send raw deflate: the first bytes tell (retry raw).
    explicit zlib_decoder(bool gzip) : m_gzip(gzip) { init(gzip ? 15 + 32 : 15); }
    ~zlib_decoder() override { inflateEnd(&m_z); }
    zlib_decoder(const zlib_decoder&) = delete;
    zlib_decoder& operator=(const zlib_decoder&) = delete;

    std::string feed(std::string_view in) override {
        std::string out;
        if (m_end || in.empty())
            return out;
        if (!m_gzip && !m_started) {
            m_started = true;
            // A zlib stream starts with CMF/FLG whose 16-bit value is a multiple of 31.
            const auto b0 = static_cast<unsigned char>(in[0]);
            if (in.size() < 2 || (b0 & 0x0f) != 8 ||
                ((b0 << 8) | static_cast<unsigned char>(in[1])) % 31 != 0) {
                inflateEnd(&m_z);
                init(-15);
            }
        }
        m_z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        m_z.avail_in = static_cast<uInt>(in.size());
        char chunk[16384];
        while (m_z.avail_in > 0 && !m_end) {
            m_z.next_out = reinterpret_cast<Bytef*>(chunk);
            m_z.avail_out = sizeof chunk;
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                bad(m_z.msg ? m_z.msg : "zlib error");
            out.append(chunk, sizeof chunk - m_z.avail_out);
            if (rc == Z_STREAM_END)
                m_end = true;
            else if (rc == Z_BUF_ERROR && m_z.avail_out != 0)
                break;
        }
        return out;
    }
    void finish() override {
        if (!m_end)
            bad("truncated compressed stream");
    }

  private:
    void init(int bits) {
        m_z = z_stream{};
        if (inflateInit2(&m_z, bits) != Z_OK)
            bad("inflateInit2 failed");
    }
    z_stream m_z{};
    bool m_gzip;
    bool m_started = false, m_end = false;
};

class brotli_decoder final : public content_decoder {
  public:
    brotli_decoder() : m_st(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {
        if (!m_st)
            throw std::bad_alloc();
    }
    ~brotli_decoder() override { BrotliDecoderDestroyInstance(m_st); }
    brotli_decoder(const brotli_decoder&) = delete;
    brotli_decoder& operator=(const brotli_decoder&) = delete;

    std::string feed(std::string_view in) override {
        std::string out;
        std::size_t avail_in = in.size();
        auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
        for (;;) {
            std::uint8_t chunk[16384];
            std::size_t avail_out = sizeof chunk;
            std::uint8_t* next_out = chunk;
            const auto rc = BrotliDecoderDecompressStream(m_st, &avail_in, &next_in, &avail_out,
                                                          &next_out, nullptr);
            out.append(reinterpret_cast<const char*>(chunk), sizeof chunk - avail_out);
            if (rc == BROTLI_DECODER_RESULT_ERROR)
                bad(BrotliDecoderErrorString(BrotliDecoderGetErrorCode(m_st)));
            if (rc != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
                break;
        }
        return out;
    }
    void finish() override {
        if (!BrotliDecoderIsFinished(m_st))
            bad("truncated brotli stream");
    }

  private:
    BrotliDecoderState* m_st;
};

} // namespace

std::unique_ptr<content_decoder> make_decoder(std::string_view encoding) {
    if (iequals(encoding, "gzip") || iequals(encoding, "x-gzip"))
        return std::make_unique<zlib_decoder>(true);
    if (iequals(encoding, "deflate"))
        return std::make_unique<zlib_decoder>(false);
    if (iequals(encoding, "br"))
        return std::make_unique<brotli_decoder>();
    return nullptr;
}

std::string_view accepted_encodings() noexcept {
    return "gzip, deflate, br";
}

} // namespace aio::http::detail
