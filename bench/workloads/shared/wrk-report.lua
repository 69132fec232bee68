-- wrk script of the lab's http workload: pipelining (depth = first script argument) and one
-- JSON result line, prefixed "RINGNET-LAB ", with latency percentiles in µs and wrk's own CPU
-- seconds (utime + stime from /proc/self/stat; the warm-up is a separate wrk process).
local req

function init(args)
  local depth = tonumber(args[1]) or 1
  local one = wrk.format("GET", "/")
  req = string.rep(one, depth)
end

function request()
  return req
end

local function cpu_seconds()
  local f = io.open("/proc/self/stat", "r")
  if not f then return -1 end
  local stat = f:read("*a")
  f:close()
  local rest = stat:sub(stat:find("%)[^%)]*$") + 2)
  local fields = {}
  for v in rest:gmatch("%S+") do fields[#fields + 1] = v end
  -- after "(comm)": field 3 is index 1, so utime (14) and stime (15) are 12 and 13
  return (tonumber(fields[12]) + tonumber(fields[13])) / 100
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RINGNET-LAB {"requests":%d,"seconds":%.4f,"p50Us":%d,"p99Us":%d,"p999Us":%d,"maxUs":%d,"errors":%d,"genCpuSec":%.3f}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.connect + e.read + e.write + e.status + e.timeout, cpu_seconds()))
end
