-- wrk scenarios, chosen by the environment:
--   SCENARIO  post_submission | list | get | register
--   TOKEN     bearer token (partner)       PREFIX  base path (consultation or round)
--   MAX_N     highest seeded submission number
--   DELAY_MS  pause per request and connection (for a paced run), 0 for full speed
local scenario = os.getenv("SCENARIO")
local token = os.getenv("TOKEN")
local prefix = os.getenv("PREFIX")
local max_n = tonumber(os.getenv("MAX_N") or "1")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")

local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

local auth = { ["Authorization"] = "Bearer " .. (token or "") }

local function submission_id(n)
  return string.format("00000000-0000-7000-8000-%012d", n)
end

function request()
  counter = counter + 1
  if scenario == "post_submission" then
    local headers = {
      ["Authorization"] = auth["Authorization"],
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = string.format("bench-%d-%d-%d", thread_id, counter, math.random(1, 1e9)),
    }
    local body = '{"kind":"need","topic":"sprache","title":"Sprachkurse im ländlichen Raum",' ..
      '"body":"Die Kurse sind mit dem ÖPNV kaum erreichbar.","author_name":"Lasttest"}'
    return wrk.format("POST", prefix .. "/submissions", headers, body)
  elseif scenario == "list" then
    return wrk.format("GET", prefix .. "/submissions?limit=50&kind=need", auth)
  elseif scenario == "get" then
    -- Accepted submissions are those with (n - 1) % 10 < 4.
    local n = 10 * math.random(0, math.floor(max_n / 10) - 1) + math.random(1, 4)
    return wrk.format("GET", "/api/v1/submissions/" .. submission_id(n), auth)
  elseif scenario == "register" then
    -- A partner registers people it knows: confirmed at once, so each takes a seat (or a
    -- waitlist place) under the round's lock.
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth["Authorization"] }
    local body = string.format(
      '{"name":"Teilnehmende %d-%d","email":"t%d-%d-%d@example.org","privacy_consent":true}',
      thread_id, counter, thread_id, counter, math.random(1, 1e9))
    return wrk.format("POST", prefix .. "/registrations", headers, body)
  end
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local codes = 0
  io.write(string.format("BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"errors\":%d," ..
    "\"p50_us\":%d,\"p99_us\":%d,\"non2xx\":%d}\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.errors.status))
end
