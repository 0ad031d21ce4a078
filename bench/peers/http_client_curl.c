/* HTTP client benchmark peer: libcurl's multi interface, one thread.
 *
 * Build: gcc -O2 -o http_client_curl http_client_curl.c -lcurl
 * Usage: http_client_curl --url URL [--requests N] [--concurrency C] [--expect-bytes B]
 *
 * One multi handle (its connection cache is the pool, at most C connections) with C easy
 * handles in flight; each finished transfer is checked (200, B bytes when given) and its
 * easy handle is reset to the URL and added again, until N requests were made. Bodies go
 * to a counting write callback. Prints one line
 *
 *     curl_multi requests=N errors=E seconds=S req_per_s=R
 *
 * and exits 1 when a request failed. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t count_bytes(char* p, size_t size, size_t n, void* user) {
    (void)p;
    *(long*)user += (long)(size * n);
    return size * n;
}

struct slot {
    CURL* easy;
    long bytes;
};

static void start(CURLM* multi, struct slot* s, const char* url) {
    s->bytes = 0;
    curl_easy_setopt(s->easy, CURLOPT_URL, url);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, count_bytes);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, &s->bytes);
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    curl_multi_add_handle(multi, s->easy);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long arg_num(const char* s) {
    char* end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end || v < 0) {
        fprintf(stderr, "http_client_curl: bad number '%s'\n", s);
        exit(64);
    }
    return v;
}

int main(int argc, char** argv) {
    const char* url = NULL;
    long total = 20000, conc = 50, expect = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--url"))
            url = argv[i + 1];
        else if (!strcmp(argv[i], "--requests"))
            total = arg_num(argv[i + 1]);
        else if (!strcmp(argv[i], "--concurrency"))
            conc = arg_num(argv[i + 1]);
        else if (!strcmp(argv[i], "--expect-bytes"))
            expect = arg_num(argv[i + 1]);
    }
    if (!url || conc < 1 || total < 1) {
        fprintf(stderr, "usage: http_client_curl --url URL [--requests N] [--concurrency C] "
                        "[--expect-bytes B]\n");
        return 64;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM* multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, conc);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conc);
    struct slot* slots = calloc((size_t)conc, sizeof *slots);
    long started = 0, done = 0, errors = 0;
    const double t0 = now();
    for (long i = 0; i < conc && started < total; ++i, ++started) {
        slots[i].easy = curl_easy_init();
        start(multi, &slots[i], url);
    }
    while (done < total) {
        int running = 0, numfds = 0, left = 0;
        curl_multi_perform(multi, &running);
        CURLMsg* m;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct slot* s = NULL;
            long code = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char**)&s);
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (m->data.result != CURLE_OK || code != 200 || (expect >= 0 && s->bytes != expect)) {
                if (!errors)
                    fprintf(stderr, "http_client_curl: first error: %s, status %ld, %ld bytes\n",
                            curl_easy_strerror(m->data.result), code, s->bytes);
                ++errors;
            }
            ++done;
            curl_multi_remove_handle(multi, s->easy);
            if (started < total) {
                ++started;
                start(multi, s, url);
            }
        }
        if (done < total)
            curl_multi_poll(multi, NULL, 0, 1000, &numfds);
    }
    const double secs = now() - t0;
    printf("curl_multi requests=%ld errors=%ld seconds=%.4f req_per_s=%.1f\n", done, errors, secs,
           (double)done / secs);
    for (long i = 0; i < conc; ++i)
        if (slots[i].easy)
            curl_easy_cleanup(slots[i].easy);
    free(slots);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return errors ? 1 : 0;
}
