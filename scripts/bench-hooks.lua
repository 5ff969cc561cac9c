-- wrk script for scripts/bench-hooks.sh: every request is a new lead, so every request starts a
-- new run (the hook has no idempotency key, and the default enrollment policy would skip a
-- second run for a contact already in the workflow).
--
--   wrk -s scripts/bench-hooks.lua http://127.0.0.1:PORT/v1/hooks/bench-lead
--
-- Environment:
--   BENCH_TAG     distinguishes the leads of one wrk invocation from another's (default "x")
--   BENCH_SIGNED  a file of pre-signed requests (one per line: id TAB timestamp TAB signature
--                 TAB body), sent in turn, each once, with their Standard Webhooks headers
--                 (webhook-id, webhook-timestamp, webhook-signature); lines are dealt to the
--                 threads round robin (BENCH_THREADS: wrk's -t, default 1)
--
-- Counts the answers by status and prints them after wrk's own summary:
--   statuses: 202=N 200=N other=N

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local tag = os.getenv("BENCH_TAG") or "x"
local signed_file = os.getenv("BENCH_SIGNED")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local counter = 0
s202, s200, other = 0, 0, 0 -- globals: done() reads them with thread:get
local signed = nil
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  if signed_file and signed_file ~= "" then
    signed = {}
    local n = 0
    for line in io.lines(signed_file) do
      if n % nthreads == id then
        local i, ts, sig, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
        table.insert(signed, { i, ts, sig, body })
      end
      n = n + 1
    end
  end
end

function request()
  counter = counter + 1
  if signed then
    local s = signed[counter]
    if not s then
      -- Out of pre-signed requests: stop this thread rather than send repeats.
      wrk.thread:stop()
      s = signed[#signed]
    end
    return wrk.format("POST", nil, {
      ["Content-Type"] = "application/json",
      ["webhook-id"] = s[1],
      ["webhook-timestamp"] = s[2],
      ["webhook-signature"] = s[3],
    }, s[4])
  end
  local body = string.format(
    '{"email":"lead-%s-%d-%d@acme%d.test","name":{"first":"Ana"},"score":%d}',
    tag, id, counter, counter % 500, counter % 100)
  return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
  if status == 202 then
    s202 = s202 + 1
  elseif status == 200 then
    s200 = s200 + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + (t:get("s202") or 0)
    b = b + (t:get("s200") or 0)
    c = c + (t:get("other") or 0)
  end
  io.write(string.format("statuses: 202=%d 200=%d other=%d\n", a, b, c))
end
