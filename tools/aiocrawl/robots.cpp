// robots.txt parsing and matching (RFC 9309); see robots.hpp.
#include "robots.hpp"

#include <algorithm>
#include <cctype>

namespace aiocrawl {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

bool robots_match(std::string_view pattern, std::string_view path) {
    const bool anchored = !pattern.empty() && pattern.back() == '$';
    if (anchored)
        pattern.remove_suffix(1);
    // Greedy-free wildcard matching with backtracking on the last '*' (linear in practice).
    std::size_t p = 0, s = 0, star = std::string_view::npos, mark = 0;
    while (s < path.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = s;
        } else if (p < pattern.size() && pattern[p] == path[s]) {
            ++p;
            ++s;
        } else if (p == pattern.size() && !anchored) {
            return true; // the pattern is a prefix of the path
        } else if (star != std::string_view::npos) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

robots_rules robots_rules::parse(std::string_view text, std::string_view agent) {
    struct group {
        std::vector<std::string> agents;
        std::vector<rule> rules;
    };
    std::vector<group> groups;
    bool in_agents = false; // the previous line of the current group was a user-agent line
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (const std::size_t hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        const std::string_view key = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        if (iequals(key, "user-agent")) {
            if (!in_agents || groups.empty())
                groups.emplace_back();
            std::string a(value);
            std::transform(a.begin(), a.end(), a.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            groups.back().agents.push_back(std::move(a));
            in_agents = true;
        } else if (iequals(key, "allow") || iequals(key, "disallow")) {
            in_agents = false;
            if (groups.empty())
                continue; // a rule before any user-agent line belongs to no group
            if (value.empty())
                continue; // "Disallow:" with nothing allows everything: no rule
            groups.back().rules.push_back({std::string(value), iequals(key, "allow")});
        } else {
            in_agents = false; // sitemap:, crawl-delay: and the like end a run of agents
        }
    }
    std::string me(agent);
    std::transform(me.begin(), me.end(), me.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    robots_rules mine, star;
    bool have_mine = false;
    for (const group& g : groups) {
        for (const std::string& a : g.agents) {
            if (a == me) {
                have_mine = true;
                mine.m_rules.insert(mine.m_rules.end(), g.rules.begin(), g.rules.end());
            } else if (a == "*") {
                star.m_rules.insert(star.m_rules.end(), g.rules.begin(), g.rules.end());
            }
        }
    }
    return have_mine ? mine : star;
}

bool robots_rules::allowed(std::string_view target) const {
    if (target == "/robots.txt")
        return true;
    const rule* best = nullptr;
    for (const rule& r : m_rules) {
        if (!robots_match(r.pattern, target))
            continue;
        if (best == nullptr || r.pattern.size() > best->pattern.size() ||
            (r.pattern.size() == best->pattern.size() && r.allow && !best->allow))
            best = &r;
    }
    return best == nullptr || best->allow;
}

} // namespace aiocrawl
