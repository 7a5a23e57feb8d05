-- Each request submits the full demo ballot as the next logged-in member (a first ballot each).
-- wrk -s ballot.lua URL -- <cookies file> <body file>; the cookies file has one "sessionid=..." per line.
local members = {}
local body = ""
local next_member = 1
local secret = "benchcsrfsecret0123456789abcdefg"
local thread_count = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do table.insert(all, line) end
  local f = io.open(args[2], "r")
  body = f:read("*a")
  f:close()
  -- Threads take every other member (by id), so no member is used twice.
  local step = tonumber(args[3]) or 2
  for i = id + 1, #all, step do table.insert(members, all[i]) end
end

function request()
  local member = members[next_member]
  if member == nil then
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  next_member = next_member + 1
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = member .. "; csrftoken=" .. secret,
    ["Referer"] = "http://127.0.0.1/",
  }
  return wrk.format("POST", nil, headers, body)
end

-- Acknowledged: a redirect to the receipt page; anything else (a redirect to log in included) is not.
acknowledged = 0
refused = 0

function response(status, headers, body)
  local location = headers["Location"] or ""
  if status == 302 and location:sub(-#"/ballot/done/") == "/ballot/done/" then
    acknowledged = acknowledged + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("acknowledged")
    bad = bad + thread:get("refused")
  end
  io.write(string.format("acknowledged %d refused %d\n", ok, bad))
end
