-- The edge's one form of a request path (README "Gateway", docs/gateway.md): percent-encoded
-- unreserved characters decoded (%7e -> ~, %75sers -> users), every other escape kept but
-- upper-cased (%2f -> %2F, still inside its segment). HAProxy's own normalize-uri would rewrite the
-- query too, which is forwarded as sent, so the path alone is done here. The converter answers ""
-- for a path the edge refuses with 400: a bad escape, bytes that are not UTF-8 once decoded, and
-- "." or ".." segments however encoded or separated (%2e%2e, ..%2F, ..\), which a later hop might
-- resolve into another route after this one was authorised.

local UNRESERVED = "^[A-Za-z0-9._~-]$"

local function normalise(path)
  local bad = false
  local out = path:gsub("%%(.?.?)", function(hex)
    if not hex:match("^%x%x$") then
      bad = true
      return ""
    end
    local char = string.char(tonumber(hex, 16))
    if char:match(UNRESERVED) then return char end
    return "%" .. hex:upper()
  end)
  if bad then return nil end
  local decoded = out:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end)
  if utf8.len(decoded) == nil then return nil end
  for segment in (decoded .. "/"):gmatch("([^/\\]*)[/\\]") do
    if segment == "." or segment == ".." then return nil end
  end
  return out
end

-- Never an error out of here: a failing converter must not become a 500 on hostile input.
core.register_converters("edge_path", function(path)
  local ok, result = pcall(normalise, path or "")
  if ok and result then return result end
  return ""
end)
