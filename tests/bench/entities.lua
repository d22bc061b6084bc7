-- wrk script of tests/bench/server.sh: rotates over a few /knowledge-graph/entities queries
-- (one word, two words, a type filter, a sort by name, a second page).
local queries = {
    "query=genomics",
    "query=climate%20stations",
    "query=hydrology&type=dataset",
    "query=ecology&sort=name:asc",
    "query=stations&type=project&page=2",
    "query=neuroscience%20readings&type=project&type=dataset",
}
local counter = 0

request = function()
    counter = counter + 1
    return wrk.format("GET", "/knowledge-graph/entities?" .. queries[(counter % #queries) + 1])
end
