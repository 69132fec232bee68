-- wrk script: pipelines `depth` GET requests per connection (one write of all
-- of them, the next write once every response came back), as wrk's own
-- scripts/pipeline.lua does. Usage: wrk -s bench/wrk/pipeline.lua URL -- 16
local depth = 16

init = function(args)
  depth = tonumber(args[1]) or depth
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format("GET", "/")
  end
  req = table.concat(r)
end

request = function()
  return req
end
