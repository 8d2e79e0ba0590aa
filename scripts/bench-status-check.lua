-- wrk script for scripts/bench-status-check.sh: POSTs varied real NIK/KK pairs (one `NIK KK situation`
-- per line in $SAMPLES, from `tepat demo samples`) to /api/v1/status-check, each thread starting at a
-- different place in the list.
local bodies = {}
for line in io.lines(os.getenv("SAMPLES") or "samples.txt") do
  local nik, kk = line:match("^(%d+)%s+(%d+)")
  if nik then
    bodies[#bodies + 1] = string.format('{"nik":"%s","kk_number":"%s"}', nik, kk)
  end
end
assert(#bodies > 0, "no samples")

local i = 0
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 1000)
  i = math.random(#bodies)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
