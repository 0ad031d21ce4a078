// robots.txt (RFC 9309): the rules of one host for one crawler.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aiocrawl {

/// The rules of one robots.txt that apply to one user agent. A value.
///
/// - Parsing (RFC 9309 §2.2): groups start with one or more `user-agent:` lines; the group
///   whose product token matches ours (case-insensitive) wins, else the `*` group, else no
///   rule applies. Several groups for the same agent are merged. Unknown lines and
///   malformed lines are ignored, as the RFC asks.
/// - Matching (§2.2.2): the rule with the longest matching path pattern wins, `allow` on a
///   tie; `*` matches any run of characters and a final `$` anchors the end. `/robots.txt`
///   is always allowed. An empty `disallow:` allows everything.
///
///     auto r = aiocrawl::robots_rules::parse("User-agent: *\nDisallow: /private/\n", "aiocrawl");
///     r.allowed("/private/x");   // false
class robots_rules {
  public:
    /// No rules: everything allowed (a missing robots.txt).
    robots_rules() = default;
    /// The rules of `text` for the crawler whose product token is `agent`.
    static robots_rules parse(std::string_view text, std::string_view agent);
    /// True if `target` (path and query, as sent on the request line) may be fetched.
    bool allowed(std::string_view target) const;
    /// Rules that apply (allow and disallow lines of the chosen group).
    std::size_t rule_count() const noexcept { return m_rules.size(); }

  private:
    struct rule {
        std::string pattern;
        bool allow;
    };
    std::vector<rule> m_rules;
};

/// True if `path` matches the robots.txt `pattern` (`*` wildcard, `$` end anchor).
bool robots_match(std::string_view pattern, std::string_view path);

} // namespace aiocrawl
