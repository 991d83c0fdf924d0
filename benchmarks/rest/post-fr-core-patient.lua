-- wrk -s post-fr-core-patient.lua URL -- BODY_FILE
-- POST URL/Patient with the resource of BODY_FILE (fr-core-patient.json: an FR Core Patient with meta.profile and an
-- INS-NIR with its right key), Prefer: return=minimal (benchmarks/rest/validation.sh).
local body = ""

function init(args)
  local file = assert(io.open(args[1], "rb"))
  body = file:read("*a")
  file:close()
end

function request()
  return wrk.format("POST", "/Patient", { ["Content-Type"] = "application/fhir+json", ["Prefer"] = "return=minimal" }, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  if non2xx > 0 then io.stderr:write(string.format("non-2xx responses: %d\n", non2xx)) end
end
